"""The studio export as a durable job on a real database and broker: the job row is the queue, so an export left
running by a process that was killed is taken up again by the next worker (one with a live worker is left alone),
and a finished ZIP is deleted after the retention time, its download then answering 410 with what to do."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from gymloop_devstack.testing import TokenFactory, eventually, problem, service_client
from gymloop_importer.app import create_app
from gymloop_importer.settings import ImporterSettings
from gymloop_kit.db import Database
from sqlalchemy import text

from .conftest import MIGRATIONS

pytestmark = pytest.mark.integration

INSERT_JOB = (
    "INSERT INTO export_job (id, studio_id, created_by, status, datasets_total, datasets_done, created_at, "
    "completed_at, heartbeat_at, access_token, archive) "
    "VALUES (:id, :studio, :by, :status, 4, :done, :created, :completed, :heartbeat, :token, :archive)"
)


async def _insert_job(database_url: str, studio: uuid.UUID, status: str, **values: object) -> uuid.UUID:
    export_id = uuid.uuid4()
    now = datetime.now(UTC)
    row = {"id": export_id, "studio": studio, "by": uuid.uuid4(), "status": status, "done": 2,
           "created": now - timedelta(hours=1), "completed": None, "heartbeat": None, "token": None, "archive": None,
           **values}  # fmt: skip
    database = Database(database_url, pool_size=1)
    try:
        async with database.transaction() as session:
            await session.execute(text(INSERT_JOB), row)
    finally:
        await database.dispose()
    return export_id


async def _status_reached(
    http: httpx.AsyncClient, export_id: object, admin: dict[str, str], status: str
) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        body: dict[str, Any] = (await http.get(f"/exports/{export_id}", headers=admin)).json()
        return body if body["status"] == status else None

    body = await eventually(reached)
    assert isinstance(body, dict)
    return body


def _settings(make_settings, url: str, kafka: str, **values: object) -> ImporterSettings:
    base = make_settings("importer", url, kafka=kafka)
    # no data service: an export that runs completes with the README only
    return ImporterSettings(**{**base.model_dump(), "service_urls": {}, **values})


async def test_an_export_left_running_by_a_killed_process_is_taken_up_again_and_completes(
    new_database, make_settings, private_kafka, tokens: TokenFactory
) -> None:
    url = await new_database(MIGRATIONS, prefix="importer")
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    token = admin["Authorization"].partition(" ")[2]
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    left = await _insert_job(url, studio, "running", heartbeat=long_ago, token=token)
    # another studio's export whose worker is alive (it beat just now): nobody else takes it
    busy_studio = uuid.uuid4()
    busy = await _insert_job(url, busy_studio, "running", heartbeat=datetime.now(UTC), token=token)
    settings = _settings(make_settings, url, private_kafka.bootstrap_servers, job_stale_after_s=60.0,
                         job_poll_interval_s=0.1)  # fmt: skip
    async with service_client(create_app(settings)) as http:
        body = await _status_reached(http, left, admin, "completed")
        assert body["percent_done"] == 100
        assert (body["datasets_total"], body["datasets_done"]) == (0, 0)  # counted again from the start
        download = await http.get(f"/exports/{left}/file", headers=admin)
        assert download.status_code == 200
        assert "README.md" in zipfile.ZipFile(io.BytesIO(download.content)).namelist()

        busy_admin = tokens.headers(studio_id=busy_studio, role="admin")
        still = (await http.get(f"/exports/{busy}", headers=busy_admin)).json()
        assert (still["status"], still["datasets_done"]) == ("running", 2)

    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as session:
            tokens_left = await session.execute(text("SELECT id FROM export_job WHERE access_token IS NOT NULL"))
            assert [row.id for row in tokens_left] == [busy]  # a finished job keeps no token
    finally:
        await database.dispose()


async def test_a_queued_export_runs_in_the_worker_not_in_the_request(
    new_database, make_settings, private_kafka, tokens: TokenFactory
) -> None:
    url = await new_database(MIGRATIONS, prefix="importer")
    admin = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    settings = _settings(make_settings, url, private_kafka.bootstrap_servers, job_poll_interval_s=0.1)
    async with service_client(create_app(settings)) as http:
        started = await http.post("/exports", headers=admin)
        assert started.status_code == 202, started.text
        assert started.json()["status"] == "queued"
        assert (await _status_reached(http, started.json()["id"], admin, "completed"))["percent_done"] == 100


async def test_a_finished_zip_is_deleted_after_the_retention_time_and_its_download_says_so(
    new_database, make_settings, private_kafka, tokens: TokenFactory
) -> None:
    url = await new_database(MIGRATIONS, prefix="importer")
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    now = datetime.now(UTC)
    old = await _insert_job(url, studio, "completed", done=4, completed=now - timedelta(days=3), archive=b"PK old")
    recent = await _insert_job(url, studio, "completed", done=4, completed=now - timedelta(hours=2), archive=b"PK new")
    settings = _settings(make_settings, url, private_kafka.bootstrap_servers, export_retention_hours=48.0,
                         export_expiry_interval_s=0.1)  # fmt: skip
    async with service_client(create_app(settings)) as http:
        body = await _status_reached(http, old, admin, "expired")
        assert body["file_url"] is None
        assert body["expired_at"] is not None
        gone = problem(await http.get(f"/exports/{old}/file", headers=admin), 410)
        assert gone["code"] == "export_expired"
        assert "Start a new export (POST /exports)" in gone["detail"]

        kept = (await http.get(f"/exports/{recent}", headers=admin)).json()
        assert kept["status"] == "completed"
        assert (await http.get(f"/exports/{recent}/file", headers=admin)).content == b"PK new"

    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as session:
            archive = await session.scalar(text("SELECT archive FROM export_job WHERE id = :id"), {"id": old})
            assert archive is None  # the file itself is deleted, not only hidden
    finally:
        await database.dispose()
