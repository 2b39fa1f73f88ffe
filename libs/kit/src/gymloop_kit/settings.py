"""Settings from environment variables (GYMLOOP_*); every service reads the same names."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    jwt_public_key: str = Field(default="", description="PEM Ed25519 public key that verifies access tokens")
    jwt_private_key: str = Field(default="", description="PEM private key; only the members service signs")
    jwt_issuer: str = "gymloop"
    jwt_audience: str = "gymloop-api"
    access_token_ttl_s: int = 900
    refresh_token_ttl_s: int = 30 * 24 * 3600
