"""Revenue report."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter
from gymloop_kit.app import Session
from gymloop_kit.auth import Admin
from gymloop_kit.http.dates import Month
from pydantic import BaseModel

from gymloop_billing.domain.revenue import LineRevenue, Trend
from gymloop_billing.service import revenue

router = APIRouter(tags=["reports"])


class TrendOut(BaseModel):
    current_cents: int
    previous_cents: int
    change_cents: int
    change_pct: Decimal | None


class LineOut(BaseModel):
    id: str
    label: str
    trend: TrendOut


class MonthOut(BaseModel):
    month: str
    currency: str
    total: TrendOut
    by_plan: list[LineOut]
    by_product: list[LineOut]


def _trend(trend: Trend) -> TrendOut:
    return TrendOut(
        current_cents=trend.current_cents,
        previous_cents=trend.previous_cents,
        change_cents=trend.change_cents,
        change_pct=trend.change_pct,
    )


def _line(line: LineRevenue) -> LineOut:
    return LineOut(id=str(line.source_id), label=line.label, trend=_trend(line.trend))


@router.get(
    "/reports/revenue",
    operation_id="getRevenueReport",
    summary="Revenue per month, plan and product, with the trend (admin)",
)
async def revenue_report(
    first_month: Month, last_month: Month, principal: Admin, session: Session, currency: str = "EUR"
) -> list[MonthOut]:
    """Admins only. For each month from first_month to last_month: the revenue per plan and per product in one
    currency, and the change against the month before."""
    months = await revenue.report(
        session, principal.studio_id, first_month=first_month, last_month=last_month, currency=currency
    )
    return [
        MonthOut(
            month=m.month,
            currency=m.currency,
            total=_trend(m.total),
            by_plan=[_line(x) for x in m.by_plan],
            by_product=[_line(x) for x in m.by_product],
        )
        for m in months
    ]
