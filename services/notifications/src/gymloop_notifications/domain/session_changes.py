"""What a member is told when the studio moves or cancels a session they booked (pure: the text only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class SessionMove:
    session_type_name: str
    previous_starts_at: datetime
    starts_at: datetime
    ends_at: datetime
    location_name: str
    location_changed: bool
    coach_changed: bool


def local_moment(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{WEEKDAYS[local.weekday()]} {local:%d-%m-%Y %H:%M}"


def moved_message(move: SessionMove, zone: ZoneInfo) -> tuple[str, str]:
    """Subject and body in the studio's local time."""
    what = move.session_type_name or "session"
    subject = f"Your {what} of {local_moment(move.previous_starts_at, zone)} has changed"
    lines = [f"The studio changed your {what} of {local_moment(move.previous_starts_at, zone)}."]
    if move.starts_at != move.previous_starts_at:
        lines.append(f"New time: {local_moment(move.starts_at, zone)} to {move.ends_at.astimezone(zone):%H:%M}.")
    if move.location_changed:
        lines.append(f"New location: {move.location_name or 'see the agenda'}.")
    if move.coach_changed:
        lines.append("Another coach gives it.")
    lines.append("You stay booked. If this no longer suits you, you can sign out without losing your credit.")
    return subject, "\n".join(lines)


def cancelled_message(
    session_type_name: str, starts_at: datetime, reason: str | None, zone: ZoneInfo
) -> tuple[str, str]:
    """Subject and body of a cancellation, in the studio's local time."""
    what = session_type_name or "session"
    subject = f"Your {what} of {local_moment(starts_at, zone)} is cancelled"
    lines = [f"The studio cancelled your {what} of {local_moment(starts_at, zone)}."]
    if reason and reason.strip():
        lines.append(f"Reason: {reason.strip()}")
    lines.append("If it took a credit, you have it back. Choose another session in the agenda.")
    return subject, "\n".join(lines)
