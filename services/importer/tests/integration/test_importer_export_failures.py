"""The studio export's failure paths on a real database and broker: a data service that is down fails the export
with a message naming it, and only admins may start or read exports (the job's durability and retention:
test_importer_export_jobs.py)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from gymloop_devstack.testing import TokenFactory, eventually, problem, service_client
from gymloop_importer.app import create_app
from gymloop_importer.settings import ImporterSettings
from gymloop_kit.db import Database
from sqlalchemy import text

from .conftest import MIGRATIONS

pytestmark = pytest.mark.integration


def _closed_port_url() -> str:
    """The address of a port nobody listens on: a service that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def _execute(database_url: str, sql: str, **params: object) -> None:
    database = Database(database_url, pool_size=1)
    try:
        async with database.transaction() as session:
            await session.execute(text(sql), params)
    finally:
        await database.dispose()


def _settings(make_settings, url: str, kafka: str) -> ImporterSettings:
    base = make_settings("importer", url, kafka=kafka)
    return ImporterSettings(**base.model_dump(), service_urls={"members": _closed_port_url()})


@pytest_asyncio.fixture(loop_scope="session")
async def importer_without_members(new_database, make_settings, private_kafka) -> AsyncIterator[object]:
    url = await new_database(MIGRATIONS, prefix="importer")
    async with service_client(create_app(_settings(make_settings, url, private_kafka.bootstrap_servers))) as http:
        yield http


async def test_a_service_that_is_down_fails_the_export_naming_it_and_what_to_do(
    importer_without_members, tokens: TokenFactory
) -> None:
    http = importer_without_members
    admin = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    started = await http.post("/exports", headers=admin)
    assert started.status_code == 202, started.text
    export_id = started.json()["id"]
    assert started.json()["file_url"] is None

    async def failed() -> dict[str, object] | None:
        body = (await http.get(f"/exports/{export_id}", headers=admin)).json()
        return body if body["status"] == "failed" else None

    body = await eventually(failed)
    assert isinstance(body, dict)
    assert "members service did not answer" in str(body["error"])
    assert "start the export again" in str(body["error"])
    assert body["file_url"] is None
    assert body["percent_done"] < 100
    problem(await http.get(f"/exports/{export_id}/file", headers=admin), 409)

    listed = (await http.get("/exports", headers=admin)).json()
    assert [item["id"] for item in listed["items"]] == [export_id]
    assert listed["total"] == 1
    # a failed export does not block the next one
    assert (await http.post("/exports", headers=admin)).status_code == 202


async def test_only_admins_start_or_read_exports_and_only_of_their_studio(
    importer_without_members, tokens: TokenFactory
) -> None:
    http = importer_without_members
    studio = uuid.uuid4()
    problem(await http.post("/exports", headers=tokens.headers(studio_id=studio, role="employee")), 403)
    problem(await http.get("/exports", headers=tokens.headers(studio_id=studio, role="employee")), 403)
    started = await http.post("/exports", headers=tokens.headers(studio_id=studio, role="admin"))
    export_id = started.json()["id"]
    other_admin = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    problem(await http.get(f"/exports/{export_id}", headers=other_admin), 404)
    assert (await http.get("/exports", headers=other_admin)).json()["total"] == 0
