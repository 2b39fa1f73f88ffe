"""Settings from environment variables (GYMLOOP_*); every service reads the same names."""

from __future__ import annotations

import ipaddress
from enum import StrEnum

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gymloop_kit.messaging.kafka import FETCH_MAX_WAIT_MS


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GYMLOOP_", env_file=None, extra="ignore")

    service_name: str = "gymloop"
    environment: str = "local"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description=(
            "Addresses or CIDR networks of the proxies (the gateway, a load balancer) whose X-Forwarded-For and "
            'X-Forwarded-Proto are believed, as JSON: ["10.0.0.5", "10.1.0.0/16"]; empty: none, the peer is the client'
        ),
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses_or_networks(cls, values: list[str]) -> list[str]:
        # uvicorn would take a mistyped entry for a literal host name and silently trust nothing by it
        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise ValueError(f"{value!r} is neither an IP address nor a CIDR network") from None
        return values

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
    consumer_fetch_max_wait_ms: int = Field(
        default=FETCH_MAX_WAIT_MS, ge=1, description="How long the broker may hold a fetch that finds nothing new"
    )
    consumer_partition_concurrency: int = Field(
        default=4, ge=1, description="Partitions of one fetched batch applied at once, each in its own transaction"
    )

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
    retention_interval_s: float = Field(
        default=3600.0, description="How often the delivery tables and expired idempotency keys are purged"
    )
    idempotency_key_ttl_hours: float = Field(
        default=24.0, description="How long an Idempotency-Key keeps its first answer (see gymloop_kit.idempotency)"
    )

    @property
    def inbox_retention_s(self) -> float:
        hours = self.inbox_retention_hours
        return 3600 * (self.kafka_topic_retention_hours + 24 if hours is None else hours)

    # Traces (OpenTelemetry): see gymloop_kit.tracing.
    tracing_otlp_endpoint: str = Field(
        default="",
        description="Base URL of the OTLP/HTTP collector (http://otel-collector:4318), spans go to <it>/v1/traces; "
        "empty: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT if set, else tracing is off",
    )
    tracing_sample_ratio: float = Field(
        default=1.0, ge=0.0, le=1.0, description="Share of new traces kept; a call or event follows its caller"
    )

    jwt_public_key: str = Field(default="", description="PEM Ed25519 public key that verifies access tokens")
    jwt_private_key: str = Field(default="", description="PEM private key; only the members service signs")
    jwt_issuer: str = "gymloop"
    jwt_audience: str = "gymloop-api"
    access_token_ttl_s: int = 900
    refresh_token_ttl_s: int = 30 * 24 * 3600


class SmtpSecurity(StrEnum):
    """How the connection to the SMTP server is protected."""

    NONE = "none"  # plain SMTP: only for a local sink or relay (no login allowed)
    STARTTLS = "starttls"  # connect in plain text, then upgrade with STARTTLS (usually port 587)
    TLS = "tls"  # TLS from the first byte, "implicit TLS" (usually port 465)


class MailSettings(ServiceSettings):
    """Settings of a service that sends e-mail through the kit's mail outbox (gymloop_kit.mail)."""

    smtp_host: str = Field(default="127.0.0.1", description="SMTP server (submission host of the mail provider)")
    smtp_port: int = Field(default=1025, description="1025 for the local sink; usually 587 with starttls, 465 with tls")
    smtp_security: SmtpSecurity = Field(default=SmtpSecurity.NONE, description="none, starttls or tls")
    smtp_username: str = Field(default="", description="SMTP login; empty: no AUTH")
    smtp_password: SecretStr = Field(default=SecretStr(""), description="Password (or API key) of the SMTP login")
    smtp_ca_file: str = Field(
        default="", description="PEM file of the CA certificates to trust for the server; empty: the system's"
    )
    smtp_sender: str = Field(
        default="Gymloop <no-reply@gymloop.example.com>", description="From address of every e-mail"
    )
    smtp_timeout_s: float = Field(default=10.0, description="Limit of each SMTP step (connect, login, each command)")

    mail_poll_interval_s: float = Field(default=1.0, description="How often the mail outbox is looked at")
    mail_batch_size: int = Field(default=50, description="Mails sent over one SMTP connection")
    mail_max_attempts: int = Field(default=10, description="Tries per mail before it is marked failed")
    mail_retry_base_s: float = Field(default=5.0, description="Wait after the first failed try; doubles each time")
    mail_retry_max_s: float = Field(default=3600.0, description="Longest wait between two tries")

    @model_validator(mode="after")
    def _no_password_in_clear(self) -> MailSettings:
        if self.smtp_username and self.smtp_security is SmtpSecurity.NONE:
            raise ValueError(
                "GYMLOOP_SMTP_USERNAME is set but GYMLOOP_SMTP_SECURITY is none: the password would cross the "
                "network in clear text; set GYMLOOP_SMTP_SECURITY to starttls or tls"
            )
        return self
