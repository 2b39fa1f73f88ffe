"""A member's responsible employee changed: their open notifications follow the member."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from gymloop_notifications.domain.kinds import NotificationKind
from gymloop_notifications.domain.notification import Notification


def reassign_open_notifications(
    notifications: Iterable[Notification],
    *,
    studio_id: UUID,
    member_id: UUID,
    previous_assignee_id: UUID | None,
    new_assignee_id: UUID | None,
) -> list[Notification]:
    """The reassigned copies of the member's open notifications (only those that change).

    Done notifications keep who handled them. A custom notification that staff explicitly gave
    to someone other than the previous responsible employee stays with that person: it was a
    deliberate choice, not a consequence of who was responsible.
    """
    changed = []
    for n in notifications:
        if n.studio_id != studio_id or n.member_id != member_id or not n.is_open:
            continue
        if n.assignee_id == new_assignee_id:
            continue
        explicitly_assigned = n.kind is NotificationKind.CUSTOM and n.assignee_id not in (
            previous_assignee_id,
            None,
        )
        if explicitly_assigned:
            continue
        changed.append(n.reassign(new_assignee_id))
    return changed
