from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_asyncio

sys.path.insert(0, str(Path(__file__).parent))  # the kit tests' helper modules

from gymloop_devstack import infra
from kit_fixtures import create_schema


@pytest.fixture
def private_kafka(tmp_path: Path) -> Iterator[infra.TansuBroker]:
    """A broker of this test's own: topics and consumer groups start empty."""
    broker = infra.TansuBroker(log_path=tmp_path / "tansu.log").start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def kit_database(new_database) -> str:
    url = await new_database(prefix="kit")
    await create_schema(url)
    return url
