"""An import row's stored columns to and from the domain's RowProgress."""

from __future__ import annotations

from typing import Any

from gymloop_importer.db.models import ImportRowState
from gymloop_importer.domain.row_progress import MemberOutcome, RefusedBy, RowProgress, RowRejection


def _rejection_json(rejection: RowRejection | None) -> dict[str, Any] | None:
    if rejection is None:
        return None
    return {
        "refused_by": rejection.refused_by.value,
        "code": rejection.code,
        "field": rejection.field,
        "message": rejection.message,
    }


def _rejection(data: dict[str, Any] | None) -> RowRejection | None:
    if data is None:
        return None
    return RowRejection(RefusedBy(data["refused_by"]), data["code"], data.get("field"), data["message"])


def progress_of(row: ImportRowState) -> RowProgress:
    return RowProgress(
        wants_subscription=row.plan_name is not None,
        member_outcome=MemberOutcome(row.member_outcome) if row.member_outcome else None,
        subscription_activated=row.subscription_done,
        member_rejection=_rejection(row.member_rejection),
        subscription_rejection=_rejection(row.subscription_rejection),
    )


def store_progress(row: ImportRowState, progress: RowProgress) -> None:
    row.member_outcome = progress.member_outcome.value if progress.member_outcome else None
    row.subscription_done = progress.subscription_activated
    row.member_rejection = _rejection_json(progress.member_rejection)
    row.subscription_rejection = _rejection_json(progress.subscription_rejection)
    row.status = progress.status.value
