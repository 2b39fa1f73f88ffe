"""The documented shapes of the staff views: the employee dashboard and the members report."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from gymloop_gateway.views.schemas import ServiceObject, Unavailable


class RiskReason(BaseModel):
    signal: Literal["attendance", "payment", "credits"]
    code: Literal["absent", "downward_trend", "payment_overdue", "credits_low", "credits_lapsing"]
    detail: str = Field(description="The reason for a person, with its numbers")


class AtRiskMember(BaseModel):
    member_id: uuid.UUID
    name: str
    reasons: list[RiskReason]


class RiskRulesOut(BaseModel):
    absence_days: int = Field(description="No visit for this many days is an absence (the studio's setting)")
    trend_percent: int = Field(description="This many percent fewer visits than the period before is a trend")
    trend_days: int = Field(description="The length of the two periods compared")
    credits_low: int = Field(description="This many credits left or fewer is running out")
    credits_lapse_days: int = Field(description="Credits lapsing within this many days are running out")


class AtRisk(BaseModel):
    members: list[AtRiskMember] = Field(description="Most reasons first, then by name")
    rules: RiskRulesOut
    signals_unavailable: list[Unavailable] = Field(description="Signals whose service did not answer")


class DashboardNotification(ServiceObject):
    """An open notification as notifications answers it, with the member's name added."""

    member_name: str | None = None


class TodaySession(BaseModel):
    id: uuid.UUID
    name: str | None
    starts_at: datetime
    ends_at: datetime
    location_id: uuid.UUID
    status: str
    capacity: int
    booked: int | None
    free_places: int | None
    waiting: int
    occupancy: float = Field(description="Booked places over capacity, 0 to 1")


class Dashboard(BaseModel):
    employee_id: uuid.UUID
    today: date = Field(description="The studio's local day")
    notifications: list[DashboardNotification] | Unavailable
    sessions_today: list[TodaySession] | Unavailable
    at_risk: AtRisk | Unavailable


class ReportRow(BaseModel):
    member_id: uuid.UUID
    name: str
    email: str | None
    status: str | None
    plan: str | None = Field(description="The current plans' names; null when billing did not answer")
    tags: list[str]
    responsible_employee_id: uuid.UUID | None
    responsible_employee: str | None
    average_visits_per_week: float | None = Field(description="Over the last 12 weeks")
    last_visit: date | None
    credits_left: int | None = Field(description="On valid packs; null without one or when bookings did not answer")
    payment_state: str | None = Field(description="ok or overdue; null when billing did not answer")


class MembersReport(BaseModel):
    items: list[ReportRow]
    total: int = Field(description="Rows matching the filters")
    limit: int
    offset: int
    sort: str
    unavailable: dict[str, Unavailable] = Field(description="The services whose columns are empty, by name")
