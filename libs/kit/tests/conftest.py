from __future__ import annotations

import sys
from pathlib import Path

import pytest_asyncio

sys.path.insert(0, str(Path(__file__).parent))  # the kit tests' helper modules

from kit_fixtures import create_schema


@pytest_asyncio.fixture(loop_scope="session")
async def kit_database(new_database) -> str:
    url = await new_database(prefix="kit")
    await create_schema(url)
    return url
