"""Settings from environment variables (GYMLOOP_*); every service reads the same names."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GYMLOOP_", env_file=None, extra="ignore")

    service_name: str = "gymloop"
    environment: str = "local"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True

    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/gymloop",
        description="SQLAlchemy URL of this service's own database (asyncpg driver)",
    )
    database_pool_size: int = 10

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_partitions: int = 3
    kafka_replication_factor: int = 1
    kafka_create_topics: bool = Field(
        default=True, description="Create the topics this service publishes to and reads from at start-up"
    )

    relay_enabled: bool = True
    relay_batch_size: int = 500
    relay_poll_interval_s: float = Field(default=1.0, description="Polling fallback when no NOTIFY arrives")
    relay_max_backoff_s: float = 30.0
    outbox_retention_hours: float = 24.0

    consumer_enabled: bool = True
    consumer_max_attempts: int = Field(default=5, description="Tries per message before it goes to <topic>.DLQ")
    consumer_retry_base_s: float = 0.05
    consumer_batch_size: int = 500

    # Supervision of the background tasks (relay, consumer, jobs): see gymloop_kit.supervision.
    task_restart_backoff_max_s: float = Field(default=30.0, description="Longest wait before restarting a failed task")
    task_down_limit_s: float = Field(
        default=120.0, description="/health answers 503 once a core background task has been down this long"
    )

    # Retention of the delivery tables: see gymloop_kit.messaging.retention.
    kafka_topic_retention_hours: float = Field(
        default=168.0, description="How long the broker keeps records (Kafka's default retention is 7 days)"
    )
    inbox_retention_hours: float | None = Field(
        default=None,
        description="How long inbox and applied_sequence rows are kept (default: topic retention + 24 h); "
        "consumers refuse events older than this, less an hour of clock skew",
    )
    retention_interval_s: float = Field(default=3600.0, description="How often the delivery tables are purged")

    @property
    def inbox_retention_s(self) -> float:
        hours = self.inbox_retention_hours
        return 3600 * (self.kafka_topic_retention_hours + 24 if hours is None else hours)

    jwt_public_key: str = Field(default="", description="PEM Ed25519 public key that verifies access tokens")
    jwt_private_key: str = Field(default="", description="PEM private key; only the members service signs")
    jwt_issuer: str = "gymloop"
    jwt_audience: str = "gymloop-api"
    access_token_ttl_s: int = 900
    refresh_token_ttl_s: int = 30 * 24 * 3600
