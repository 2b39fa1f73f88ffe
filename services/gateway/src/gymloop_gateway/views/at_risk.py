"""Which of an employee's members are at risk, and why: one list from attendance, payment and credit signals.

Pure rules over what bookings (attendance summaries, credits) and billing (payment state) answer. The attendance
thresholds are the studio's own notification settings (seed 000: absence after N days; a downward trend of P%
fewer visits in the last D days than in the D days before), so the dashboard and the notifications agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

ATTENDANCE, PAYMENT, CREDITS = "attendance", "payment", "credits"


@dataclass(frozen=True, slots=True)
class RiskRules:
    absence_days: int = 14
    trend_percent: int = 30
    trend_days: int = 21
    credits_low: int = 2  # this many credits left or fewer is running out
    credits_lapse_days: int = 7  # credits that lapse within this many days are running out too

    @classmethod
    def from_notification_settings(cls, body: Any) -> RiskRules:
        """The studio's absence and downward-trend numbers from notifications' settings; defaults for what is
        missing (the service down, or a section it does not send)."""
        sections = body.get("notifications") if isinstance(body, dict) else None
        if not isinstance(sections, dict):
            return cls()
        absence = sections.get("absence") or {}
        trend = sections.get("downward_trend") or {}
        default = cls()
        return cls(
            absence_days=_positive(absence.get("days"), default.absence_days),
            trend_percent=_positive(trend.get("percent"), default.trend_percent),
            trend_days=_positive(trend.get("days"), default.trend_days),
        )


def _positive(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


@dataclass(frozen=True, slots=True)
class Reason:
    signal: str  # attendance, payment or credits
    code: str
    detail: str


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def attendance_reasons(
    summary: Mapping[str, Any], member_since: date | None, today: date, rules: RiskRules
) -> list[Reason]:
    reasons = []
    last_visit = _day(summary.get("last_visit"))
    if last_visit is not None:
        away = (today - last_visit).days
        if away >= rules.absence_days:
            reasons.append(Reason(ATTENDANCE, "absent", f"no visit for {away} days (last visit {last_visit})"))
    elif member_since is not None and (today - member_since).days >= rules.absence_days:
        reasons.append(Reason(ATTENDANCE, "absent", f"no visit since becoming a member on {member_since}"))
    current, previous = summary.get("visits_in_period"), summary.get("visits_in_previous_period")
    if isinstance(current, int) and isinstance(previous, int) and previous > 0 and current < previous:
        drop = round((previous - current) * 100 / previous)
        if drop >= rules.trend_percent:
            days = summary.get("period_days") or rules.trend_days
            reasons.append(
                Reason(
                    ATTENDANCE,
                    "downward_trend",
                    f"{current} visits in the last {days} days against {previous} in the {days} days before "
                    f"({drop}% fewer)",
                )
            )
    return reasons


def payment_reasons(billing: Mapping[str, Any]) -> list[Reason]:
    if billing.get("payment_state") != "overdue":
        return []
    attempts = billing.get("failed_attempts") or 0
    tried = f" after {attempts} failed attempt{'s' if attempts != 1 else ''}" if attempts else ""
    return [Reason(PAYMENT, "payment_overdue", f"payment overdue{tried}")]


def credit_reasons(summary: Mapping[str, Any], today: date, rules: RiskRules) -> list[Reason]:
    left = summary.get("credits_left")
    if not isinstance(left, int) or isinstance(left, bool):
        return []  # no valid pack: unlimited or no subscription, nothing to run out of
    if left <= rules.credits_low:
        return [Reason(CREDITS, "credits_low", f"{left} credit{'s' if left != 1 else ''} left")]
    lapses = _day(summary.get("credits_valid_until"))
    if lapses is not None and (lapses - today).days <= rules.credits_lapse_days:
        return [Reason(CREDITS, "credits_lapsing", f"{left} credits lapse after {lapses}")]
    return []


def risk_reasons(
    member: Mapping[str, Any],
    attendance: Mapping[str, Any] | None,
    billing: Mapping[str, Any] | None,
    today: date,
    rules: RiskRules,
) -> list[Reason]:
    """Every reason the member is at risk; a signal whose service did not answer gives none."""
    reasons = []
    if attendance is not None:
        reasons += attendance_reasons(attendance, _day(member.get("start_date")), today, rules)
        reasons += credit_reasons(attendance, today, rules)
    if billing is not None:
        reasons += payment_reasons(billing)
    return reasons


def display_name(member: Mapping[str, Any]) -> str:
    return " ".join(str(p) for p in (member.get("first_name"), member.get("last_name")) if p)


def at_risk_members(
    members: Iterable[Mapping[str, Any]],
    attendance: Mapping[str, Mapping[str, Any]] | None,
    billing: Mapping[str, Mapping[str, Any]] | None,
    today: date,
    rules: RiskRules,
) -> list[dict[str, Any]]:
    """The members with at least one reason, most reasons first, then by name. `attendance` and `billing` map
    member ids to what the service answered; None when that service did not answer."""
    found = []
    for member in members:
        member_id = str(member.get("id"))
        reasons = risk_reasons(
            member,
            attendance.get(member_id) if attendance is not None else None,
            billing.get(member_id) if billing is not None else None,
            today,
            rules,
        )
        if reasons:
            found.append(
                {"member_id": member_id, "name": display_name(member), "reasons": [asdict(r) for r in reasons]}
            )
    return sorted(found, key=lambda m: (-len(m["reasons"]), m["name"].casefold(), m["member_id"]))
