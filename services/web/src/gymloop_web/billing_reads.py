"""The billing page's reads: the overdue members (the gateway's members report) and the payments with their state.

The payments table is read here only, in `payments_table`: billing's studio-wide payments list can replace its
body without the page changing; until then it is each overdue member's latest payments from their billing read.
"""

from __future__ import annotations

import asyncio
from typing import Any

from gymloop_web.gateway import Gateway, items_of
from gymloop_web.reads import optional
from gymloop_web.session import WebSession

OVERDUE_PAGE = 25
PAYMENTS_PER_MEMBER = 5


async def overdue_members(gateway: Gateway, session: WebSession) -> list[dict[str, Any]]:
    report = await optional(
        gateway,
        session,
        "/api/v1/views/members-report",
        payment_state="overdue",
        status="active",
        sort="name",
        limit=OVERDUE_PAGE,
    )
    return items_of(report)


async def payments_table(gateway: Gateway, session: WebSession, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of payments, latest collection first within a member, each with the member's id and name."""
    reads = await asyncio.gather(
        *(
            optional(gateway, session, f"/api/v1/billing/members/{m['member_id']}/billing", limit=PAYMENTS_PER_MEMBER)
            for m in members
        )
    )
    rows = []
    for member, billing in zip(members, reads, strict=True):
        payments = items_of(billing.get("payments")) if isinstance(billing, dict) else []
        rows += [{**payment, "member_id": member["member_id"], "member_name": member["name"]} for payment in payments]
    return rows
