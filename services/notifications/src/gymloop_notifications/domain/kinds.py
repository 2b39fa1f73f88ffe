"""The kinds of notification and their states."""

from __future__ import annotations

from enum import StrEnum


class NotificationKind(StrEnum):
    BIRTHDAY = "birthday"
    ABSENCE = "absence"
    DOWNWARD_TREND = "downward_trend"
    UPWARD_TREND = "upward_trend"
    CHECKUP = "checkup"
    CUSTOM = "custom"


class NotificationStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class TrendDirection(StrEnum):
    DOWNWARD = "downward"
    UPWARD = "upward"
