"""Events owned by the importer service (the import saga)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from gymloop_contracts.base import EventPayload


class ImportedSubscription(BaseModel):
    model_config = ConfigDict(frozen=True)
    plan_id: uuid.UUID
    plan_name: str
    start_date: date
    iban: str
    account_holder: str


class MemberImportRequested(EventPayload):
    """One validated import row: members upserts the person by e-mail; billing adds the subscription."""

    owner: ClassVar[str] = "importer"
    aggregate_type: ClassVar[str] = "import_row"
    aggregate_field: ClassVar[str] = "row_id"
    key_field: ClassVar[str] = "email"

    row_id: str
    import_job_id: uuid.UUID
    row_number: int
    email: str
    first_name: str
    last_name: str
    start_date: date
    phone: str | None = None
    birth_date: date | None = None
    address: str | None = None
    responsible_employee_email: str | None = None
    tags: list[str] = []
    is_employee: bool = False
    subscription: ImportedSubscription | None = None


class ImportCompleted(EventPayload):
    """Every row of an import reached done or failed."""

    owner: ClassVar[str] = "importer"
    aggregate_type: ClassVar[str] = "import_job"
    aggregate_field: ClassVar[str] = "import_job_id"
    key_field: ClassVar[str] = "import_job_id"

    import_job_id: uuid.UUID
    rows: int
    members_created: int
    members_updated: int
    subscriptions_created: int
    failed_rows: int
