"""The importer app on a fresh migrated database and a broker of the test's own."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest_asyncio
from gymloop_contracts import Envelope
from gymloop_contracts.events.billing import BillingSettingsChanged
from gymloop_devstack.testing import TokenFactory, eventually, publish, service_client
from gymloop_importer.app import create_app
from gymloop_importer.domain.template import build_template
from gymloop_kit.db import Database
from sqlalchemy import text

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@dataclass
class Importer:
    http: httpx.AsyncClient
    database_url: str
    bootstrap: str
    tokens: TokenFactory
    studio_id: uuid.UUID

    def staff(self, studio_id: uuid.UUID | None = None, role: str = "employee") -> dict[str, str]:
        return self.tokens.headers(studio_id=studio_id or self.studio_id, role=role)

    @staticmethod
    def template(rows: Sequence[Sequence[object]], plan_names: Sequence[str] = ()) -> bytes:
        return filled_template(rows, plan_names)

    @staticmethod
    def upload(data: bytes, name: str = "members.xlsx") -> dict[str, Any]:
        return upload(data, name)

    async def import_file(
        self, data: bytes, *, headers: dict[str, str] | None = None, name: str = "members.xlsx"
    ) -> dict[str, Any]:
        """POST the file (202, validating), then the import once its validation has decided it."""
        headers = headers or self.staff()
        accepted = await self.http.post("/imports", headers=headers, **upload(data, name))
        assert accepted.status_code == 202, accepted.text
        assert accepted.json()["status"] == "validating"
        return await self.decided(accepted.json()["id"], headers)

    async def decided(self, import_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """GET /imports/{id} once it is no longer validating (rejected or running or completed)."""

        async def decision() -> dict[str, Any] | None:
            answer = await self.http.get(f"/imports/{import_id}", headers=headers or self.staff())
            assert answer.status_code == 200, answer.text
            job: dict[str, Any] = answer.json()
            return None if job["status"] == "validating" else job

        found = await eventually(decision, timeout_s=60)
        assert isinstance(found, dict)
        return found

    async def rejection(self, data: bytes) -> dict[str, Any]:
        """Import a file that must be rejected; its problem document (422, one entry per error)."""
        job = await self.import_file(data)
        assert job["status"] == "rejected", job
        problem: dict[str, Any] = job["problem"]
        assert problem["status"] == 422
        assert problem["import_id"] == job["id"]
        return problem

    async def announce_collection_method(
        self, method: str, *, sequence: int = 1, studio_id: uuid.UUID | None = None, wait: bool = True
    ) -> Envelope:
        """Publish billing's BillingSettingsChanged for the studio; by default wait until it was consumed."""
        studio = studio_id or self.studio_id
        event = BillingSettingsChanged(
            studio_id=studio,
            collection_method=method,  # type: ignore[arg-type]
            currency="EUR",
            overdue_members_may_book=True,
        )
        envelope = await publish(self.bootstrap, event, studio_id=studio, sequence=sequence)
        if wait:
            await self.consumed(envelope)
        return envelope

    async def consumed(self, envelope: Envelope) -> None:
        """Wait until the importer's consumer has processed this event (its inbox row is committed)."""
        sql = "SELECT count(*) FROM inbox WHERE consumer = 'importer' AND event_id = :id"
        await eventually(lambda: self.scalar(sql, id=envelope.event_id))

    async def scalar(self, sql: str, **params: Any) -> Any:
        database = Database(self.database_url, pool_size=1)
        try:
            async with database.transaction() as session:
                return (await session.execute(text(sql), params)).scalar()
        finally:
            await database.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def importer(new_database, make_settings, private_kafka, tokens) -> AsyncIterator[Importer]:
    url = await new_database(MIGRATIONS, prefix="importer")
    settings = make_settings("importer", url, kafka=private_kafka.bootstrap_servers)
    async with service_client(create_app(settings)) as http:
        yield Importer(http, url, private_kafka.bootstrap_servers, tokens, uuid.uuid4())


def filled_template(rows: Sequence[Sequence[object]], plan_names: Sequence[str] = ()) -> bytes:
    """The real template, downloaded-equivalent, with rows typed in as a user would."""
    workbook = openpyxl.load_workbook(io.BytesIO(build_template(list(plan_names))))
    sheet = workbook["Members"]
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "members.xlsx") -> dict[str, Any]:
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return {"files": {"file": (name, data, xlsx)}}
