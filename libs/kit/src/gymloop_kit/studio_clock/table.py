"""The studio zone read model's table, one shape for every service that follows members' StudioUpdated (each
service's own migration creates it in its database, like the delivery tables)."""

from __future__ import annotations

from sqlalchemy import Column, Table, Text
from sqlalchemy.dialects.postgresql import UUID

from gymloop_kit.db import make_metadata

# Separate from any service's models; a service database that follows StudioUpdated holds this table too.
metadata = make_metadata()

# One row per studio whose zone is known: the newest announced zone this machine's tz database knows. No row:
# the studio counts days in DEFAULT_TIME_ZONE.
studio_zone = Table(
    "studio_zone",
    metadata,
    Column("studio_id", UUID(as_uuid=True), primary_key=True),
    Column("time_zone", Text, nullable=False),
)
