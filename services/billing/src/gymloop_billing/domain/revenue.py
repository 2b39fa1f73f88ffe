"""Revenue report: per month, per plan and per product, with the trend against the month before.

Amounts may be negative (refunds). The trend percentage is None when the previous month had no
revenue (a change from 0 has no meaningful percentage); it is rounded half-up to one decimal.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from gymloop_kit.studio_clock import add_months

from gymloop_billing.domain.calendar_math import month_key, previous_month_key
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.money import validate_currency

MAX_MONTHS = 120


class RevenueSource(enum.StrEnum):
    PLAN = "plan"
    PRODUCT = "product"


@dataclass(frozen=True, slots=True)
class RevenueEntry:
    booked_on: date
    amount_cents: int
    currency: str
    source: RevenueSource
    source_id: UUID
    label: str


@dataclass(frozen=True, slots=True)
class Trend:
    current_cents: int
    previous_cents: int

    @property
    def change_cents(self) -> int:
        return self.current_cents - self.previous_cents

    @property
    def change_pct(self) -> Decimal | None:
        if self.previous_cents == 0:
            return None
        pct = Decimal(self.change_cents) * 100 / abs(Decimal(self.previous_cents))
        return pct.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class LineRevenue:
    source: RevenueSource
    source_id: UUID
    label: str
    trend: Trend


@dataclass(frozen=True, slots=True)
class MonthRevenue:
    month: str  # 'YYYY-MM'
    currency: str
    total: Trend
    by_plan: tuple[LineRevenue, ...]
    by_product: tuple[LineRevenue, ...]


def revenue_report(
    entries: Iterable[RevenueEntry], *, first_month: date, last_month: date, currency: str
) -> tuple[MonthRevenue, ...]:
    """One MonthRevenue per month from `first_month` to `last_month` (any day in those months).

    Pass the entries of the month before `first_month` too, or its trend compares against 0.
    """
    validate_currency(currency)
    months = _month_range(first_month, last_month)
    wanted = set(months) | {previous_month_key(months[0])}
    sums: dict[tuple[str, RevenueSource, UUID], int] = defaultdict(int)
    labels: dict[tuple[RevenueSource, UUID], str] = {}
    for entry in entries:
        if entry.currency != currency:
            raise DomainError(
                code="currency_mismatch",
                field="currency",
                message=f"revenue in {entry.currency} cannot be summed with {currency}: report per currency",
            )
        key = month_key(entry.booked_on)
        if key in wanted:
            sums[(key, entry.source, entry.source_id)] += entry.amount_cents
            labels[(entry.source, entry.source_id)] = entry.label
    return tuple(_month(month, currency, sums, labels) for month in months)


def _month(
    month: str,
    currency: str,
    sums: dict[tuple[str, RevenueSource, UUID], int],
    labels: dict[tuple[RevenueSource, UUID], str],
) -> MonthRevenue:
    previous = previous_month_key(month)
    lines: dict[RevenueSource, list[LineRevenue]] = {RevenueSource.PLAN: [], RevenueSource.PRODUCT: []}
    for (source, source_id), label in labels.items():
        current_cents = sums.get((month, source, source_id), 0)
        previous_cents = sums.get((previous, source, source_id), 0)
        if current_cents or previous_cents:
            lines[source].append(LineRevenue(source, source_id, label, Trend(current_cents, previous_cents)))
    for source_lines in lines.values():
        source_lines.sort(key=lambda line: (-line.trend.current_cents, line.label))
    all_lines = lines[RevenueSource.PLAN] + lines[RevenueSource.PRODUCT]
    total = Trend(
        current_cents=sum(line.trend.current_cents for line in all_lines),
        previous_cents=sum(line.trend.previous_cents for line in all_lines),
    )
    return MonthRevenue(
        month=month,
        currency=currency,
        total=total,
        by_plan=tuple(lines[RevenueSource.PLAN]),
        by_product=tuple(lines[RevenueSource.PRODUCT]),
    )


def _month_range(first: date, last: date) -> list[str]:
    start = date(first.year, first.month, 1)
    end = date(last.year, last.month, 1)
    if end < start:
        raise DomainError(code="period_invalid", field="last_month", message="the report ends before it starts")
    months: list[str] = []
    current = start
    while current <= end:
        months.append(month_key(current))
        if len(months) > MAX_MONTHS:
            raise DomainError(
                code="period_too_long",
                field="last_month",
                message=f"a report covers at most {MAX_MONTHS} months: choose a shorter period",
            )
        current = add_months(current, 1)
    return months
