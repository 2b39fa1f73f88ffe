"""Refresh planning: which candidates become new notifications.

A candidate is skipped when a notification with its dedupe key already exists, open or done:
a done birthday must not come back the next night. Deleting notifications (the settings page's
"delete all open") removes their keys, so the next refresh raises them again under the latest
settings, as the product describes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from gymloop_notifications.domain.absence import last_attended_on
from gymloop_notifications.domain.candidates import NotificationCandidate
from gymloop_notifications.domain.kinds import NotificationKind
from gymloop_notifications.domain.notification import Notification


@dataclass(frozen=True, slots=True)
class RefreshPlan:
    to_create: tuple[NotificationCandidate, ...]
    skipped_keys: tuple[str, ...]


def plan_refresh(candidates: Iterable[NotificationCandidate], existing_keys: Collection[str]) -> RefreshPlan:
    seen = set(existing_keys)
    to_create: list[NotificationCandidate] = []
    skipped: list[str] = []
    for candidate in candidates:
        key = candidate.dedupe_key
        if key in seen:
            skipped.append(key)
            continue
        seen.add(key)
        to_create.append(candidate)
    return RefreshPlan(to_create=tuple(to_create), skipped_keys=tuple(skipped))


def absences_ended_by_attendance(
    notifications: Iterable[Notification], attendance_dates: Iterable[date], today: date
) -> list[Notification]:
    """Open absence notifications whose absence the member has since ended by attending.

    The use case decides what to do with them (mark done by the system, or leave them for the
    employee); this only tells which ones are stale.
    """
    last = last_attended_on(attendance_dates, today)
    if last is None:
        return []
    ended = []
    for notification in notifications:
        if notification.kind is not NotificationKind.ABSENCE or not notification.is_open:
            continue
        counted_from = notification.details.get("counted_from")
        if isinstance(counted_from, str) and date.fromisoformat(counted_from) < last:
            ended.append(notification)
    return ended
