"""Announce every existing studio once: one StudioUpdated (its full state) per studio, through the outbox.

Studios created before StudioUpdated existed were never announced, so billing, bookings and notifications never
learnt their time zones. The events are queued in this migration's transaction; the relay publishes them later.

The events are queued with the kit's `add_events_in_migration` (Alembic gives a synchronous connection;
`add_events` needs an AsyncSession): the same outbox rows and per-aggregate sequences as `add_events`, so a later
event of the same studio gets the next number, and the outbox trigger wakes the relay on commit. A studio announced
before gets the next sequence: its full state again, which "newest sequence wins" consumers apply as a no-op.
"""

import uuid

import sqlalchemy as sa
from alembic import op
from gymloop_contracts.events.members import StudioUpdated
from gymloop_kit.messaging.outbox import add_events_in_migration

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    studios = connection.execute(sa.text("SELECT studio_id, name, timezone FROM studio ORDER BY created_at, studio_id"))
    payloads = [
        StudioUpdated(studio_id=studio_id, name=name, time_zone=timezone) for studio_id, name, timezone in studios
    ]
    # one unit of work: one correlation id, as add_events outside a request
    add_events_in_migration(connection, [(p, p.studio_id) for p in payloads], correlation_id=str(uuid.uuid4()))


def downgrade() -> None:
    """Nothing to undo: events already queued or published cannot be taken back."""
