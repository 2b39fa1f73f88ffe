"""A studio's booking settings: the knobs the rules read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from gymloop_kit.errors import InvalidInput
from gymloop_kit.studio_clock import UnknownTimeZone, local_day, parse_time_zone


@dataclass(frozen=True, slots=True)
class BookingPolicy:
    """Per-studio settings.

    booking_window: how far ahead of the start a member may sign up (staff may go beyond when
        staff_may_book_beyond_window is set, e.g. to plan a personal programme).
    cancellation_cutoff: signing out later than this before the start is a late cancel.
    late_cancel_forfeits: whether a late cancel keeps the credit (else it is returned as usual).
    waitlist_enabled / waitlist_cutoff: waitlist promotion only happens up to this long before the start.
    uses_check_in: booked members without a desk check-in are flagged no-show when the session ends.
    """

    time_zone: str
    booking_window: timedelta = timedelta(days=14)
    cancellation_cutoff: timedelta = timedelta(hours=2)
    late_cancel_forfeits: bool = True
    waitlist_enabled: bool = True
    waitlist_cutoff: timedelta = timedelta(hours=1)
    uses_check_in: bool = False
    staff_may_book_beyond_window: bool = True

    def __post_init__(self) -> None:
        try:
            parse_time_zone(self.time_zone)
        except UnknownTimeZone as error:
            raise InvalidInput(str(error), code="time_zone_unknown", field="time_zone") from None
        for name in ("booking_window", "cancellation_cutoff", "waitlist_cutoff"):
            if getattr(self, name) < timedelta(0):
                raise InvalidInput(f"{name} must not be negative", code="negative_duration", field=name)

    @property
    def zone(self) -> ZoneInfo:
        return parse_time_zone(self.time_zone)

    def local_date(self, moment: datetime) -> date:
        return local_day(moment, self.zone)

    def today(self, now: datetime) -> date:
        return self.local_date(now)
