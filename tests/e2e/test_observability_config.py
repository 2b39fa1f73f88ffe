"""deploy/observability/ is checked against the code: every alert rule and dashboard query is valid PromQL and
names only metrics the kit exports, and the rules the operations guide promises exist (consumer lag, outbox age,
DLQ growth, 5xx rate)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gymloop_kit.app  # noqa: F401  (imports every module that defines a metric)
import promql_parser
import pytest
import yaml
from prometheus_client import REGISTRY

pytestmark = pytest.mark.unit

OBSERVABILITY = Path(__file__).resolve().parents[2] / "deploy" / "observability"
SERIES_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
# Grafana fills these in before Prometheus sees the query.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$service": ".*", "${datasource}": "prometheus"}


def exported_series() -> set[str]:
    """The names a PromQL query can select: each kit metric with its type's series suffixes."""
    return {family.name + suffix for family in REGISTRY.collect() if family.name.startswith("gymloop_")
            for suffix in SERIES_SUFFIXES.get(family.type, ("",))}  # fmt: skip


def selected_metrics(expr: str) -> list[str]:
    """The metric names an expression selects (parsing fails on a query Prometheus would refuse)."""
    names: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            names.append(node.name)

    promql_parser.walk(promql_parser.parse(expr), pre_visit=visit)
    return names


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((OBSERVABILITY / "alerts.yaml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_queries() -> list[str]:
    dashboard = json.loads((OBSERVABILITY / "dashboard.json").read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    queries += [variable["query"] for variable in dashboard["templating"]["list"] if variable["type"] == "query"]
    for placeholder, value in GRAFANA_VARIABLES.items():
        queries = [query.replace(placeholder, value) for query in queries]
    return queries


def test_every_alert_rule_is_complete_and_selects_only_exported_metrics():
    exported = exported_series()
    for rule in alert_rules():
        assert set(rule) >= {"alert", "expr", "labels", "annotations"}, rule
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert rule["annotations"]["description"], rule["alert"]
        metrics = selected_metrics(rule["expr"])
        assert metrics, f"{rule['alert']} selects no metric"
        assert set(metrics) <= exported, (
            f"{rule['alert']} names metrics the kit does not export: {set(metrics) - exported}"
        )


def test_the_promised_alerts_exist():
    selected = {rule["alert"]: set(selected_metrics(rule["expr"])) for rule in alert_rules()}
    promised = {"gymloop_consumer_lag", "gymloop_outbox_oldest_unpublished_age_seconds",
                "gymloop_consumer_dead_lettered_total", "gymloop_http_requests_total"}  # fmt: skip
    assert promised <= set().union(*selected.values())
    assert len(selected) == len(alert_rules()), "two alert rules share a name"


def test_every_dashboard_query_selects_only_exported_metrics():
    exported = exported_series()
    queries = dashboard_queries()
    assert queries
    for query in queries:
        if query.startswith("label_values("):  # Grafana's variable query: the metric is its first argument
            query = query.removeprefix("label_values(").split(",")[0]
        metrics = selected_metrics(query)
        assert metrics, f"{query!r} selects no metric"
        assert set(metrics) <= exported, f"{query!r} names metrics the kit does not export"


def test_the_guide_explains_every_alert():
    guide = (OBSERVABILITY / "README.md").read_text()
    unexplained = [rule["alert"] for rule in alert_rules() if f"| {rule['alert']} |" not in guide]
    assert not unexplained, f"deploy/observability/README.md does not explain {unexplained}"
