"""Migration 0005: every studio_billing row that existed before BillingSettingsChanged is announced once."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest
from gymloop_billing.service.studio import SettingsInput, put_settings
from gymloop_contracts import Envelope
from gymloop_contracts.events.billing import BillingSettingsChanged
from gymloop_devstack.testing import assert_outbox_row, outbox_rows
from gymloop_kit.db import Database, asyncpg_dsn
from gymloop_kit.messaging.outbox import NOTIFY_CHANNEL
from gymloop_kit.migrations import upgrade
from sqlalchemy import text

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


async def test_0005_announces_each_existing_settings_row_once_and_a_later_change_takes_the_next_sequence(
    new_database,
) -> None:
    url = await new_database(None, prefix="billing_announce")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "0004")
    never_announced, announced_before = uuid.uuid4(), uuid.uuid4()
    database = Database(url, pool_size=1)
    listener = await asyncpg.connect(asyncpg_dsn(url))
    notified = asyncio.Event()
    try:
        async with database.transaction() as session:
            await session.execute(
                text(
                    "INSERT INTO studio_billing (studio_id, collection_method, currency, overdue_members_may_book,"
                    " creditor_name, creditor_iban, creditor_id) VALUES"
                    " (:old, 'sepa_export', 'EUR', false, 'Oude Gym BV', 'NL91ABNA0417164301', 'NL98ZZZ999999999999'),"
                    " (:new, 'stripe', 'EUR', true, NULL, NULL, NULL)"
                ),
                {"old": never_announced, "new": announced_before},
            )
            # Settings configured after BillingSettingsChanged existed already have their sequence 1 out.
            await session.execute(
                text("INSERT INTO outbox_sequence VALUES ('billing_settings', :id, 1)"), {"id": str(announced_before)}
            )
        await listener.add_listener(NOTIFY_CHANNEL, lambda *_: notified.set())

        await asyncio.to_thread(upgrade, MIGRATIONS, url, "head")

        await asyncio.wait_for(notified.wait(), timeout=5)  # the outbox trigger woke the relay on commit
        rows = await outbox_rows(database)
        envelopes = {Envelope.model_validate(row["envelope"]).studio_id: row for row in rows}
        assert len(rows) == 2
        assert set(envelopes) == {never_announced, announced_before}
        for studio_id, (method, may_book, sequence) in {
            never_announced: ("sepa_export", False, 1),
            announced_before: ("stripe", True, 2),
        }.items():
            expected = BillingSettingsChanged(
                studio_id=studio_id, collection_method=method, currency="EUR", overdue_members_may_book=may_book
            )
            assert_outbox_row(envelopes[studio_id], expected, sequence=sequence)

        async with database.transaction() as session:
            await put_settings(session, announced_before, SettingsInput(collection_method="offline"))
        later = (await outbox_rows(database))[-1]
        envelope = Envelope.model_validate(later["envelope"])
        assert (envelope.studio_id, envelope.sequence, envelope.payload["collection_method"]) == (
            announced_before,
            3,
            "offline",
        )
        # The migration's rows have exactly the shape add_event writes.
        assert set(later["envelope"]) == set(envelopes[announced_before]["envelope"])
    finally:
        await listener.close()
        await database.dispose()


async def test_0005_on_a_database_without_settings_queues_nothing(new_database) -> None:
    url = await new_database(MIGRATIONS, prefix="billing_announce_empty")
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as session:
            version = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
            queued = (await session.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
            sequences = (await session.execute(text("SELECT count(*) FROM outbox_sequence"))).scalar_one()
    finally:
        await database.dispose()
    assert int(version) >= 5  # 0005 ran (later migrations may follow it)
    assert (queued, sequences) == (0, 0)
