from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict


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
PlanKind = Literal["pack", "unlimited", "free"]
CollectionMethod = Literal["sepa_export", "stripe", "offline"]
