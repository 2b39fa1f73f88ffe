"""How the pages show what the API answers: times in the studio's zone, money, a view's unavailable parts.

Pure functions, registered in the template environment (gymloop_web.rendering)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gymloop_kit.studio_clock import UnknownTimeZone, default_zone, parse_time_zone


def studio_zone(name: Any) -> ZoneInfo:
    """The studio's zone from bookings' settings; the platform's default when it is missing or unknown."""
    try:
        return parse_time_zone(name)
    except UnknownTimeZone:
        return default_zone()


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def clock(value: Any, zone: ZoneInfo) -> str:
    """An API instant as the studio's wall-clock time, "18:30"; empty for nothing."""
    instant = _instant(value)
    return instant.astimezone(zone).strftime("%H:%M") if instant else ""


def when(value: Any, zone: ZoneInfo) -> str:
    """An API instant as the studio's day and time, "2026-12-02 18:30"."""
    instant = _instant(value)
    return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M") if instant else ""


def local_date(value: Any, zone: ZoneInfo) -> date | None:
    instant = _instant(value)
    return instant.astimezone(zone).date() if instant else None


def local_day(value: Any, zone: ZoneInfo) -> str:
    """An API instant as the studio's day, "2026-12-02"; empty for nothing."""
    day = local_date(value, zone)
    return day.isoformat() if day else ""


def money(cents: Any, currency: Any = "EUR") -> str:
    """Cents as an amount with its currency, "EUR 12.50"."""
    if not isinstance(cents, int):
        return ""
    sign = "-" if cents < 0 else ""
    return f"{currency or ''} {sign}{abs(cents) // 100}.{abs(cents) % 100:02d}".strip()


def unavailable(part: Any) -> bool:
    """A view's part its service could not give (the gateway's `{"unavailable": true, ...}`)."""
    return isinstance(part, dict) and part.get("unavailable") is True


def percent(fraction: Any) -> str:
    return f"{round(float(fraction) * 100)}%" if isinstance(fraction, int | float) else ""


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_day(value: str | None, today: date) -> date:
    """A `?day=` query value, today when it is missing or not a date."""
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return today
    return today


def safe_back(target: str | None, fallback: str = "/") -> str:
    """Where a form may send the browser back to: a path of this site only (never //elsewhere or a URL)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback
