"""Retention of the delivery tables: what the inbox and the sequence tables may forget, and when.

The rule, with R = the inbox retention (`inbox_retention_hours`, by default the topic retention + 24 h):

- **inbox**: a row is deleted once it is older than R (`received_at`).
- **applied_sequence**: a row is deleted once its consumer accepted no event of that aggregate for R
  (`applied_at`).
- **the guard that makes both safe**: a consumer does not apply an event that occurred more than R - 1 h ago
  (`EventConsumer(max_event_age_s=...)`): it goes to `<topic>.DLQ` as `EventTooOld` unless the inbox still
  knows it (then it is a plain duplicate). A redelivery carries its event's `occurred_at`, and an inbox row is
  written after that moment; so any delivery of an event whose inbox row could be gone is older than R and
  refused, whatever delayed it (a lagging consumer, a relay that republishes after a long outage). The same
  holds for applied_sequence: every event of an aggregate at or below the remembered sequence occurred before
  the row was last touched, so once the row is idle for R all of them are refused. The hour covers clock skew
  between the producer (which stamps `occurred_at`) and the consumer's database (which stamps the rows).
  With R above the topic retention, the guard only ever refuses what the broker would have deleted anyway,
  unless the relay held it back longer than that.
- **outbox_sequence is kept.** Forgetting an aggregate's last sequence would restart it at 1 while consumers
  still remember a higher one (their applied_sequence row outlives any fixed delay: a consumer that is down
  does not purge), and those consumers would then drop every new event of the aggregate as stale. Making it
  safe needs a floor that every new aggregate starts above, read by each writer under a lock the purge
  excludes (a table or advisory lock on every event write); the table has one small row per aggregate and
  grows like the aggregates' own tables, so the purge would cost every write to save little.
- The outbox itself is purged by the relay (published rows after `outbox_retention_hours`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from gymloop_kit.db import Database, rows_affected
from gymloop_kit.logging import get_logger

log = get_logger(__name__)

# Producers stamp occurred_at with their clock, the consumer's database stamps the rows with its own.
CLOCK_SKEW_MARGIN_S = 3600.0
BATCH = 10_000

_PURGE_INBOX = text(
    """
    DELETE FROM inbox WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM inbox WHERE received_at < now() - make_interval(secs => :age) LIMIT :batch
    ))
    """
)
_PURGE_APPLIED = text(
    """
    DELETE FROM applied_sequence WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM applied_sequence WHERE applied_at < now() - make_interval(secs => :age) LIMIT :batch
    ))
    """
)


def max_event_age_s(inbox_retention_s: float) -> float:
    """The oldest event a consumer still applies, for a given inbox retention."""
    if inbox_retention_s <= 2 * CLOCK_SKEW_MARGIN_S:
        raise ValueError(f"the inbox retention must exceed {2 * CLOCK_SKEW_MARGIN_S / 3600:.0f} h")
    return inbox_retention_s - CLOCK_SKEW_MARGIN_S


@dataclass(frozen=True)
class Purged:
    inbox: int
    applied_sequence: int


async def purge_delivery_tables(database: Database, *, inbox_retention_s: float, batch: int = BATCH) -> Purged:
    """Delete what the rule above allows, in batches of `batch` rows (one short transaction each)."""
    totals = {"inbox": 0, "applied_sequence": 0}
    for table, statement in (("inbox", _PURGE_INBOX), ("applied_sequence", _PURGE_APPLIED)):
        while True:
            async with database.transaction() as session:
                deleted = rows_affected(await session.execute(statement, {"age": inbox_retention_s, "batch": batch}))
            totals[table] += deleted
            if deleted < batch:
                break
    purged = Purged(**totals)
    if purged.inbox or purged.applied_sequence:
        log.info("delivery_tables_purged", inbox=purged.inbox, applied_sequence=purged.applied_sequence)
    return purged
