"""Validation as a job: the POST answers 202 `validating` at once, the rows are checked after the answer with their
progress on the import, and an upload a restart left unvalidated is validated when the importer starts again (the
kit's job queue: the job row is the queue)."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import timedelta
from typing import Any

import httpx
import pytest
from gymloop_devstack.testing import eventually, http_server, service_client
from gymloop_importer.app import create_app
from gymloop_importer.service import imports
from gymloop_kit.db import Database
from gymloop_kit.errors import Conflict
from sqlalchemy import text

from .conftest import MIGRATIONS, filled_template, upload

pytestmark = pytest.mark.integration

ROWS = 2_000


async def _scalar(url: str, sql: str) -> Any:
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as session:
            return (await session.execute(text(sql))).scalar()
    finally:
        await database.dispose()


async def test_the_post_answers_validating_and_the_job_reports_its_progress_to_running(
    new_database, make_settings, private_kafka, tokens
) -> None:
    url = await new_database(MIGRATIONS, prefix="importer")
    settings = make_settings("importer", url, kafka=private_kafka.bootstrap_servers)
    staff = tokens.headers(studio_id=uuid.uuid4(), role="employee")
    data = filled_template([[f"P{n}", "Bulk", f"p{n}@example.com", "2025-01-01"] for n in range(ROWS)])

    async with http_server(create_app(settings)) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        accepted = await http.post("/imports", headers=staff, **upload(data))
        assert accepted.status_code == 202, accepted.text
        answer = accepted.json()
        assert (answer["status"], answer["validation_percent"], answer["rows_total"]) == ("validating", 0, 0)

        seen: list[dict[str, Any]] = []

        async def decided() -> bool:
            job = (await http.get(f"/imports/{answer['id']}", headers=staff)).json()
            seen.append(job)
            return job["status"] != "validating"

        await eventually(decided, timeout_s=120, interval_s=0.05)

    final = seen[-1]
    assert (final["status"], final["validation_percent"], final["rows_total"]) == ("running", 100, ROWS)
    percents = [job["validation_percent"] for job in seen]
    assert percents == sorted(percents), percents  # progress only moves forward
    assert await _scalar(url, "SELECT count(*) FROM import_row") == ROWS
    assert await _scalar(url, "SELECT count(*) FROM outbox WHERE topic = 'MemberImportRequested'") == ROWS
    assert await _scalar(url, "SELECT count(*) FROM import_job WHERE upload IS NOT NULL") == 0  # file not kept


async def test_a_zip_that_is_no_workbook_is_rejected_by_the_job_with_its_reason(importer) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")

    problem = await importer.rejection(buffer.getvalue())

    (entry,) = problem["errors"]
    assert entry["type"] == "unreadable_xlsx"
    assert "save it as 'Excel Workbook (*.xlsx)'" in entry["msg"]
    assert await importer.scalar("SELECT count(*) FROM outbox") == 0


async def test_an_upload_left_validating_by_a_restart_is_validated_when_the_importer_starts(
    new_database, make_settings, private_kafka, tokens
) -> None:
    url = await new_database(MIGRATIONS, prefix="importer")
    studio_id = uuid.uuid4()
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as session:  # what a POST stores before the process stopped
            job = await imports.accept_import(
                session,
                studio_id=studio_id,
                account_id=uuid.uuid4(),
                file_name="members.xlsx",
                data=filled_template([["Jan", "Jansen", "jan@example.com", "2025-01-01"]]),
            )
        with pytest.raises(Conflict):  # not deletable while it is validated
            async with database.transaction() as session:
                await imports.delete_job(session, studio_id, job.id)
    finally:
        await database.dispose()

    settings = make_settings("importer", url, kafka=private_kafka.bootstrap_servers)
    staff = tokens.headers(studio_id=studio_id, role="employee")
    async with service_client(create_app(settings)) as http:

        async def running() -> bool:
            return (await http.get(f"/imports/{job.id}", headers=staff)).json()["status"] == "running"

        await eventually(running, timeout_s=60)
        # decided once: a second run (another replica) finds nothing left to validate
        queue = imports.validation_queue(timedelta(minutes=2))
        await imports.validate_import(Database(url, pool_size=1), queue, job.id)
    assert await _scalar(url, "SELECT count(*) FROM outbox WHERE topic = 'MemberImportRequested'") == 1
    assert await _scalar(url, "SELECT count(*) FROM import_row") == 1
