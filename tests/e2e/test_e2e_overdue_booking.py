"""Overdue blocks booking, end to end through the gateway (every service on the embedded PostgreSQL and Tansu): a
member whose SEPA collection the bank returned is refused at sign-up with what to do; staff book them with a reason
that lands in the user log; once staff record that the member paid at the desk, the member books again. Bookings
learns all of it from billing's events only."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from .conftest import Stack

pytestmark = pytest.mark.e2e

PASSWORD = "Overdue-e2e-Password-2026"
CREDITOR = {
    "collection_method": "sepa_export",
    "creditor_name": "Sportschool Achterstand",
    "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
}
MONTHLY = {"name": "Unlimited", "kind": "unlimited", "price_cents": 5000, "currency": "EUR", "period": "monthly"}


def ok(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, f"{answer.request.method} {answer.request.url}: {answer.text}"
    return answer.json() if answer.content else None


def until(check: Callable[[], Any], what: str, timeout_s: float = 60.0) -> Any:
    """Retry `check` until it returns something truthy: bookings learns of billing's changes by events."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def test_an_overdue_member_is_refused_staff_book_with_a_reason_and_paying_at_the_desk_lifts_it(stack: Stack) -> None:
    with stack.client() as client:
        signup = ok(
            client.post(
                "/api/v1/members/studios/signup",
                json={"studio_name": "Achterstand Gym", "email": "owner@achterstand.example.org",
                      "password": PASSWORD, "first_name": "Olga", "last_name": "Owner"},
            ),
            201,
        )  # fmt: skip
        admin = {"Authorization": f"Bearer {signup['access_token']}"}
        studio = ok(client.get("/api/v1/members/studios/current", headers=admin))
        studio_id = uuid.UUID(studio["studio_id"])
        today = datetime.now(ZoneInfo(studio["timezone"])).date()
        body = {"email": "bram@achterstand.example.org", "first_name": "Bram", "last_name": "Bos",
                "start_date": (today - timedelta(days=30)).isoformat()}  # fmt: skip
        bram = str(ok(client.post("/api/v1/members/members", json=body, headers=admin), 201)["id"])
        member = stack.tokens.headers(studio_id=studio_id, role="member", member_id=uuid.UUID(bram))

        # Billing: a monthly plan collected by SEPA; the bank returns Bram's collection (insufficient funds).
        ok(client.put("/api/v1/billing/billing-settings", json=CREDITOR, headers=admin))
        monthly = ok(client.post("/api/v1/billing/plans", json=MONTHLY, headers=admin), 201)["id"]
        mandate = {"mandate_reference": "AG-BRAM", "iban": "NL91ABNA0417164300", "account_holder": "Bram Bos",
                   "signed_on": (today - timedelta(days=10)).isoformat()}  # fmt: skip

        def sign_mandate() -> Any:
            answer = client.put(f"/api/v1/billing/members/{bram}/mandate", json=mandate, headers=admin)
            return answer if answer.status_code == 200 else None  # 404 until billing has the member's event

        until(sign_mandate, "billing to know Bram")
        started = {"member_id": bram, "plan_id": monthly, "start_date": today.isoformat()}
        ok(client.post("/api/v1/billing/subscriptions", json=started, headers=admin), 201)
        run = {"collection_date": (today + timedelta(days=7)).isoformat(), "period_label": today.strftime("%Y-%m")}
        ok(client.post("/api/v1/billing/payment-runs", json=run, headers=admin), 201)
        (payment,) = ok(client.get(f"/api/v1/billing/members/{bram}/billing", headers=admin))["payments"]["items"]
        returned = {"succeeded": False, "reason": "AM04"}
        ok(client.post(f"/api/v1/billing/payments/{payment['id']}/bank-answer", json=returned, headers=admin))
        state = ok(client.get(f"/api/v1/billing/members/{bram}/payment-state", headers=member))
        assert (state["state"], state["may_book"]) == ("overdue", False)

        # Bookings: two sessions tomorrow; Bram's subscription reaches bookings by billing's events.
        location = ok(client.post("/api/v1/bookings/locations", json={"name": "Zaal 1"}, headers=admin), 201)["id"]
        kind = {"name": "Spinning", "description": "All levels"}
        session_type = ok(client.post("/api/v1/bookings/session-types", json=kind, headers=admin), 201)["id"]

        def session_at(hour: int) -> str:
            one_off = {"location_id": location, "session_type_id": session_type,
                       "day": (today + timedelta(days=1)).isoformat(), "start_time": f"{hour:02d}:00:00",
                       "duration_minutes": 45, "capacity": 8}  # fmt: skip
            return str(ok(client.post("/api/v1/bookings/sessions", json=one_off, headers=admin), 201)["id"])

        morning, evening = session_at(9), session_at(19)
        until(
            lambda: ok(client.get(f"/api/v1/bookings/members/{bram}/account", headers=admin))["entitlements"],
            "bookings to get Bram's subscription",
        )

        def refused_for_being_overdue() -> Any:
            answer = client.post(f"/api/v1/bookings/sessions/{morning}/bookings", json={}, headers=member)
            assert answer.status_code in (201, 409), answer.text
            if answer.status_code == 201:  # bookings has not heard yet: sign out again and retry
                ok(client.delete(f"/api/v1/bookings/sessions/{morning}/bookings/{bram}", headers=member))
                return None
            return answer

        refusal = until(refused_for_being_overdue, "bookings to learn that Bram is overdue")
        problem = refusal.json()
        assert problem["code"] == "payment_overdue"
        assert "your payments are overdue" in problem["detail"]
        assert "pay the open amount" in problem["detail"]

        # Staff: without a reason they are asked for one; with a reason Bram is booked and the log says why.
        path = f"/api/v1/bookings/sessions/{morning}/bookings"
        unexplained = client.post(path, json={"member_id": bram}, headers=admin)
        assert (unexplained.status_code, unexplained.json()["code"]) == (422, "overdue_reason_required")
        booked = ok(client.post(path, json={"member_id": bram, "reason": "pays at the desk tonight"}, headers=admin),
                    201)  # fmt: skip
        assert booked["outcome"] == "booked"
        log = ok(client.get(f"/api/v1/bookings/members/{bram}/log", headers=admin))["items"]
        booking_id = booked["booking"]["id"]
        staff_booked = [(e["reason"], e["note"], e["actor_role"]) for e in log if e["booking_id"] == booking_id]
        assert staff_booked == [("signed_up_while_overdue", "pays at the desk tonight", "admin")]

        # The desk: Bram pays the returned amount; billing clears him and bookings lets him book himself again.
        cleared = ok(client.post(f"/api/v1/billing/payments/{payment['id']}/paid-by-other-means", headers=admin))
        assert cleared["status"] == "succeeded"
        state = ok(client.get(f"/api/v1/billing/members/{bram}/payment-state", headers=member))
        assert (state["state"], state["may_book"]) == ("ok", True)

        def booked_himself() -> Any:
            answer = client.post(f"/api/v1/bookings/sessions/{evening}/bookings", json={}, headers=member)
            assert answer.status_code in (201, 409), answer.text
            return answer if answer.status_code == 201 else None

        own = until(booked_himself, "bookings to learn that Bram paid").json()
        assert (own["outcome"], own["booking"]["member_id"]) == ("booked", bram)
        log = ok(client.get(f"/api/v1/bookings/members/{bram}/log", headers=member))["items"]
        own_booked = [(e["reason"], e["note"], e["session_id"]) for e in log if e["booking_id"] == own["booking"]["id"]]
        assert own_booked == [("signed_up", None, evening)]
