"""Pytest fixtures shared by every test suite: real PostgreSQL and a real Kafka-protocol broker.

Both start once per test run. By default they are local processes (embedded PostgreSQL, Tansu). With
GYMLOOP_TEST_INFRA=containers and a Docker engine, testcontainers runs PostgreSQL and Apache Kafka instead.
Each test gets its own database, copied from a migrated template (fast and fully isolated).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from gymloop_kit.auth import KeyPair
from gymloop_kit.migrations import upgrade_async
from gymloop_kit.settings import ServiceSettings

from gymloop_devstack import infra
from gymloop_devstack.testing import TokenFactory


@dataclass
class PostgresHandle:
    url: Callable[[str], str]  # database name -> SQLAlchemy URL
    dsn: Callable[[str], str]  # database name -> asyncpg DSN


ServerDirFactory = Callable[[str], Path]


@pytest.fixture(scope="session")
def server_dir_factory() -> Iterator[ServerDirFactory]:
    """Factory: `server_dir_factory("pg")` -> a new empty directory for a server's data, removed after the run.

    Outside pytest's temporary root on purpose: run as root, embedded PostgreSQL serves as another user and opens
    the root to it, and every pytest run started on the machine makes that root private again, so a server
    whose data lived there (another run's, or this run's next to a second run) lost its data directory mid-run."""
    made: list[Path] = []

    def make(name: str) -> Path:
        made.append(Path(tempfile.mkdtemp(prefix=f"gymloop-test-{name}-")))
        return made[-1]

    yield make
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres(server_dir_factory: ServerDirFactory) -> Iterator[PostgresHandle]:
    if os.environ.get("GYMLOOP_TEST_INFRA") == "containers":
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:17-alpine", driver=None) as container:
            base = container.get_connection_url().rsplit("/", 1)[0]
            yield PostgresHandle(
                url=lambda name: f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{name}",
                dsn=lambda name: f"{base}/{name}",
            )
        return
    server = infra.EmbeddedPostgres(server_dir_factory("pg") / "data", delete_on_stop=True).start()
    try:
        yield PostgresHandle(url=server.url, dsn=server.dsn)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("GYMLOOP_TEST_INFRA") == "containers":
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer("confluentinc/cp-kafka:7.7.1").with_kraft() as container:
            yield container.get_bootstrap_server()
        return
    broker = infra.TansuBroker(log_path=tmp_path_factory.mktemp("tansu") / "tansu.log").start()
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture
def private_kafka(tmp_path: Path) -> Iterator[infra.TansuBroker]:
    """A broker of this test's own (Tansu starts in milliseconds): topics and consumer groups start empty,
    so no event of an earlier test can reach this test's consumers."""
    broker = infra.TansuBroker(log_path=tmp_path / "tansu.log").start()
    try:
        yield broker
    finally:
        broker.stop()


NewDatabase = Callable[..., Awaitable[str]]


@pytest_asyncio.fixture(loop_scope="session")
async def new_database(postgres: PostgresHandle) -> AsyncIterator[NewDatabase]:
    """Factory: `await new_database(migrations_dir)` -> URL of a fresh database migrated to head.

    The first call per migrations folder migrates a template database; later calls copy it."""
    created: list[str] = []

    async def make(migrations_dir: Path | None = None, *, prefix: str = "t") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        template = None
        if migrations_dir is not None:
            template = await _migrated_template(postgres, Path(migrations_dir))
        await infra.create_database(postgres.dsn("postgres"), name, template=template)
        created.append(name)
        return postgres.url(name)

    yield make
    for name in created:
        await infra.drop_database(postgres.dsn("postgres"), name)


_templates: dict[str, str] = {}


async def _migrated_template(postgres: PostgresHandle, migrations_dir: Path) -> str:
    versions = sorted((migrations_dir / "versions").glob("*.py"))
    fingerprint = hashlib.sha256(b"".join(path.read_bytes() for path in versions)).hexdigest()[:12]
    key = f"{migrations_dir.resolve()}:{fingerprint}"
    if key not in _templates:
        name = f"tmpl_{migrations_dir.parent.name}_{fingerprint}"
        await infra.drop_database(postgres.dsn("postgres"), name)
        await infra.create_database(postgres.dsn("postgres"), name)
        await upgrade_async(migrations_dir, postgres.url(name))
        _templates[key] = name
    return _templates[key]


@pytest.fixture(scope="session")
def jwt_keys() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture(scope="session")
def tokens(jwt_keys: KeyPair) -> TokenFactory:
    return TokenFactory(jwt_keys)


@pytest.fixture
def make_settings(kafka_bootstrap: str, jwt_keys: KeyPair) -> Callable[..., ServiceSettings]:
    """Settings for a service under test: its own database URL, the test broker, the test keys."""

    def make(service_name: str, database_url: str, *, kafka: str | None = None, **overrides: object) -> ServiceSettings:
        values: dict[str, object] = {
            "service_name": service_name,
            "database_url": database_url,
            "kafka_bootstrap_servers": kafka or kafka_bootstrap,
            "jwt_public_key": jwt_keys.public_pem,
            "relay_poll_interval_s": 0.2,
            "consumer_retry_base_s": 0.01,
            "log_json": True,
            "database_pool_size": 5,
            # as behind the gateway: the in-process client connects from 127.0.0.1, the gateway's address in make dev
            "trusted_proxies": ["127.0.0.1"],
        }
        values.update(overrides)
        return ServiceSettings(**values)  # type: ignore[arg-type,unused-ignore]

    return make
