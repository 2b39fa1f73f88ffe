"""A sliding-window throttle: too many recent events for one account or from one client address pause further
ones. Fed with failed logins it throttles logins; fed with the mails sent it limits mails
(`gymloop_kit.mail.limits`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class WindowThrottle:
    window: timedelta = timedelta(minutes=15)
    max_per_account: int = 5
    max_per_ip: int = 20

    def retry_after(
        self, *, account_failures: Sequence[datetime], ip_failures: Sequence[datetime], now: datetime
    ) -> int | None:
        """Seconds until a new try is allowed, or None when it is allowed now.

        A limit is reached when the window holds `max` failures; the wait ends when the oldest of the newest
        `max` failures leaves the window."""
        waits = [
            self._wait(failures, limit, now)
            for failures, limit in ((account_failures, self.max_per_account), (ip_failures, self.max_per_ip))
        ]
        blocking = [wait for wait in waits if wait is not None]
        return max(blocking) if blocking else None

    def _wait(self, failures: Sequence[datetime], limit: int, now: datetime) -> int | None:
        recent = sorted(at for at in failures if now - at < self.window)
        if len(recent) < limit:
            return None
        frees_at = recent[-limit] + self.window
        return max(1, math.ceil((frees_at - now).total_seconds()))
