from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from gymloop_contracts.base import EventPayload


class ImportRef(BaseModel):
    """Set on events caused by an import row, so the importer's saga can follow every row to done."""

    model_config = ConfigDict(frozen=True)
    import_job_id: uuid.UUID
    row_number: int


class DateRange(BaseModel):
    model_config = ConfigDict(frozen=True)
    start: date
    end: date


Role = Literal["member", "employee", "admin"]
# As the member states it; benchmark leaderboards rank per gender.
Gender = Literal["female", "male", "other"]
PlanKind = Literal["pack", "unlimited", "free"]
CollectionMethod = Literal["sepa_export", "stripe", "offline"]


class _ImportRowRejected(EventPayload):
    """A service refused its part of an import row; the importer marks the row failed with this reason.

    Each owning service has its own event type (members for the person, billing for the subscription), so a
    row is followed to done or failed whichever step refuses it."""

    aggregate_type: ClassVar[str] = "import_row"
    aggregate_field: ClassVar[str] = "row_id"
    key_field: ClassVar[str] = "row_id"

    row_id: str
    import_ref: ImportRef
    email: str
    code: str
    field: str | None = None
    message: str
