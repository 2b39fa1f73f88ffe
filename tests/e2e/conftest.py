"""The local stack's processes, started for real (embedded PostgreSQL, Tansu, the local Stripe, every service that
exists so far, the gateway), on free ports and in a temporary data directory."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from gymloop_devstack.dev import DevSettings, DevStack
from gymloop_devstack.infra import free_port
from gymloop_devstack.stack_services import SERVICES
from gymloop_devstack.testing import TokenFactory
from gymloop_kit.auth import KeyPair


def free_ports_env(data_dir: Path) -> dict[str, str]:
    """GYMLOOP_DEV_* settings for a stack that disturbs no other: its own data dir and free ports."""
    ports = {service.name: free_port() for service in SERVICES}
    return {
        "GYMLOOP_DEV_DATA_DIR": str(data_dir),
        "GYMLOOP_DEV_GATEWAY_PORT": str(free_port()),
        "GYMLOOP_DEV_WEB_PORT": str(free_port()),
        "GYMLOOP_DEV_SERVICE_PORTS": json.dumps(ports),
        "GYMLOOP_DEV_KAFKA_PORT": str(free_port()),
        "GYMLOOP_DEV_SMTP_PORT": str(free_port()),
        "GYMLOOP_DEV_MAIL_HTTP_PORT": str(free_port()),
        "GYMLOOP_DEV_STRIPE_PORT": str(free_port()),
    }


class Stack:
    def __init__(self, dev: DevStack) -> None:
        self.dev = dev
        self.url = dev.gateway_url
        self.keys = KeyPair(dev.private_key, dev.public_key)
        self.tokens = TokenFactory(self.keys)
        self.studio_id = uuid.uuid4()

    @property
    def services(self) -> list[str]:
        """The services running in this stack (those whose package has a __main__ by now)."""
        return list(self.dev.running)

    def headers(self, role: str = "employee") -> dict[str, str]:
        return self.tokens.headers(studio_id=self.studio_id, role=role)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10.0, trust_env=False)


@pytest.fixture(scope="module")
def stack(server_dir_factory: Callable[[str], Path]) -> Iterator[Stack]:
    data_dir = server_dir_factory("stack") / "data"
    with pytest.MonkeyPatch.context() as env:
        for key, value in free_ports_env(data_dir).items():
            env.setenv(key, value)
        settings = DevSettings(demo=False, ready_timeout_s=90.0)
    lines: list[str] = []
    dev = DevStack(settings, out=lines.append)
    try:
        dev.start()
        if not dev.ready_after_s:
            pytest.fail("the stack did not get ready:\n" + "\n".join(lines))
        yield Stack(dev)
    finally:
        dev.stop()
        if os.environ.get("GYMLOOP_E2E_VERBOSE"):
            print("\n".join(lines))
