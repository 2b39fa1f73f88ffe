"""Benchmark: validate and start the import of a 10,000-row member file on a real PostgreSQL.

validate_seconds: reading + validating the file (the pure domain, all rows checked before anything happens).
import_seconds: the POST /imports use case: validation again, the job and its rows stored, and one
MemberImportRequested per row queued in the outbox, in one transaction.
Last line: one JSON object. Usage: uv run --frozen python bench/import.py [--members N]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
from gymloop_devstack.infra import EmbeddedPostgres, create_database
from gymloop_importer.db.models import PlanView, StudioCollection
from gymloop_importer.domain.import_context import CollectionMethod, ImportContext, PlanInfo
from gymloop_importer.domain.import_file import parse_import_file
from gymloop_importer.domain.template import build_template
from gymloop_importer.service.imports import start_import
from gymloop_kit.db import Database
from gymloop_kit.migrations import upgrade_async
from sqlalchemy import text

MIGRATIONS = Path(__file__).resolve().parents[1] / "services" / "importer" / "migrations"


def member_file(count: int) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(build_template(["Gold"])))
    sheet = workbook["Members"]
    for number in range(count):
        with_plan = number % 2 == 0
        sheet.append([
            f"First{number}", f"Last{number}", f"member{number}@example.com", date(2025, 1, 1),
            "+31 6 12345678", "17-05-1990", f"Street {number}", None, "bench, import",
            "Gold" if with_plan else None, None, "NL91ABNA0417164300" if with_plan else None,
            f"Holder {number}" if with_plan else None, None,
        ])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def main(count: int) -> dict[str, object]:
    print(f"building a {count}-row file", flush=True)
    data = member_file(count)
    context = ImportContext.build([PlanInfo("Gold", False, False)], CollectionMethod.SEPA_EXPORT, date(2025, 6, 1))

    print("validating", flush=True)
    started = time.perf_counter()
    parsed = parse_import_file(data, context)
    validate_seconds = time.perf_counter() - started
    assert parsed.is_valid, [str(issue) for issue in parsed.issues[:5]]

    with tempfile.TemporaryDirectory() as scratch:
        server = EmbeddedPostgres(Path(scratch) / "pg", delete_on_stop=True).start()
        try:
            await create_database(server.dsn(), "importer_bench")
            url = server.url("importer_bench")
            await upgrade_async(MIGRATIONS, url)
            database = Database(url)
            studio_id = uuid.uuid4()
            async with database.transaction() as session:
                session.add(PlanView(plan_id=uuid.uuid4(), studio_id=studio_id, name="Gold", kind="unlimited",
                                     price_cents=4500, visible=True, active=True))  # fmt: skip
                session.add(StudioCollection(studio_id=studio_id, collection_method="sepa_export"))
            print("importing", flush=True)
            started = time.perf_counter()
            async with database.transaction() as session:
                result = await start_import(
                    session,
                    studio_id=studio_id,
                    account_id=uuid.uuid4(),
                    file_name="bench.xlsx",
                    data=data,
                    today=datetime.now(UTC).date(),
                )
            import_seconds = time.perf_counter() - started
            assert not result.issues
            async with database.transaction() as session:
                queued = (await session.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
            await database.dispose()
        finally:
            server.stop()
    return {
        "rows": count,
        "file_bytes": len(data),
        "validate_seconds": round(validate_seconds, 3),
        "import_seconds": round(import_seconds, 3),
        "events_queued": queued,
        "rows_per_second_validate": round(count / validate_seconds, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=10_000)
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(main(arguments.members))))
