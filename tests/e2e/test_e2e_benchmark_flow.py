"""Benchmark workouts end to end through the gateway (every service on the embedded PostgreSQL and Tansu): staff
define "Fran" (a time, lower is better) and program it on the session type's day; three members with a pack book
the session and attend it; two record results (one Rx, one scaled) and a third, who opted out of rankings, records
the fastest time. The leaderboard names the members (followed from members' events), leaves out who opted out,
ranks per gender, and a member reads their personal best; the studio's dashboard sums up the month, through the
API and on the back office's page in a real browser (Playwright driving Debian's Chromium). Sessions
cannot be made in the past, so the booked one is shifted back in bookings' database before attendance is recorded
through the API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from gymloop_devstack.testing import answered, wait_until
from playwright.sync_api import expect

from .conftest import Stack
from .past_sessions import move_back
from .web_setup import chromium, logged_in

pytestmark = pytest.mark.e2e

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # the studio's zone until its admins set another
PASSWORD = "Benchmark-e2e-Password-2026"
PACK = {
    "name": "10 sessions", "kind": "session_pack", "sessions": 10, "price_cents": 9000, "currency": "EUR",
    "period": "one_off", "valid_days": 90,
}  # fmt: skip
FRAN = {"name": "Fran", "description": "21-15-9 thrusters and pull-ups", "scoring": "time", "lower_is_better": True}


def test_fran_defined_programmed_attended_recorded_ranked_and_a_personal_best(stack: Stack) -> None:
    owner = f"owner-{uuid.uuid4().hex[:8]}@gym.example.com"
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        signed_up = answered(
            client.post(
                "/api/v1/members/studios/signup",
                json={"studio_name": "Fran Gym", "email": owner, "password": PASSWORD, "first_name": "Olga",
                      "last_name": "Owner"},
            ),
            201,
        )  # fmt: skip
        studio_id = uuid.UUID(signed_up["studio_id"])
        admin = {"Authorization": f"Bearer {signed_up['access_token']}"}

        def member(first: str, last: str, gender: str) -> tuple[str, dict[str, str]]:
            body = {"email": f"{first.lower()}-{uuid.uuid4().hex[:8]}@gym.example.com", "first_name": first,
                    "last_name": last, "gender": gender}  # fmt: skip
            made = answered(client.post("/api/v1/members/members", json=body, headers=admin), 201)
            headers = stack.tokens.headers(
                studio_id=studio_id, role="member", member_id=uuid.UUID(made["id"]),
                account_id=uuid.UUID(made["account_id"]),
            )  # fmt: skip
            return made["id"], headers

        anna, as_anna = member("Anna", "de Vries", "female")
        ben, as_ben = member("Ben", "Bakker", "male")
        cleo, as_cleo = member("Cleo", "Claes", "female")

        # A pack each (billing), whose credits reach bookings by billing's events.
        for someone in (anna, ben, cleo):
            wait_until(
                lambda someone=someone: client.get(f"/api/v1/billing/members/{someone}/payment-state", headers=admin)
                .status_code == 200,
                "billing to know the member",
            )  # fmt: skip
        plan = answered(client.post("/api/v1/billing/plans", json=PACK, headers=admin), 201)
        for someone in (anna, ben, cleo):
            started = {"member_id": someone, "plan_id": plan["id"], "start_date": date.today().isoformat()}
            answered(client.post("/api/v1/billing/subscriptions", json=started, headers=admin), 201)
        for someone in (anna, ben, cleo):
            wait_until(
                lambda someone=someone: (
                    answer := client.get(f"/api/v1/bookings/members/{someone}/account", headers=admin)
                ).status_code == 200 and answer.json()["credits_left"] == 10,
                "bookings to grant the pack's credits",
            )  # fmt: skip

        # Fran, a session its members book and attend, and Fran programmed on the session type that day.
        fran = answered(client.post("/api/v1/bookings/benchmarks", json=FRAN, headers=admin), 201)
        assert (fran["scoring"], fran["lower_is_better"], fran["units"]) == ("time", True, ["s", "min"])
        location = answered(client.post("/api/v1/bookings/locations", json={"name": "Box"}, headers=admin), 201)
        kind = answered(client.post("/api/v1/bookings/session-types", json={"name": "WOD"}, headers=admin), 201)
        local = (datetime.now(UTC) + timedelta(hours=5)).astimezone(AMSTERDAM)
        one_off = {"location_id": location["id"], "session_type_id": kind["id"], "day": local.date().isoformat(),
                   "start_time": local.time().replace(microsecond=0).isoformat(), "duration_minutes": 60,
                   "capacity": 10}  # fmt: skip
        session_id = answered(client.post("/api/v1/bookings/sessions", json=one_off, headers=admin), 201)["id"]
        for headers in (as_anna, as_ben, as_cleo):
            answered(client.post(f"/api/v1/bookings/sessions/{session_id}/bookings", json={}, headers=headers), 201)
        move_back(stack, session_id, timedelta(hours=7))  # started two hours ago, ended one hour ago
        held = answered(client.get(f"/api/v1/bookings/sessions/{session_id}", headers=admin))
        day = datetime.fromisoformat(held["starts_at"]).astimezone(AMSTERDAM).date().isoformat()
        programmed = {"workout_id": fran["id"]}
        path = f"/api/v1/bookings/session-types/{kind['id']}/days/{day}/benchmark"
        answered(client.put(path, json=programmed, headers=admin), 204)
        attended = answered(client.post(f"/api/v1/bookings/sessions/{session_id}/end", headers=admin))
        assert sorted(b["member_id"] for b in attended) == sorted([anna, ben, cleo])

        # Results: Anna Rx in minutes, Ben scaled recorded by the coach, Cleo (opted out) the fastest Rx.
        results = f"/api/v1/bookings/benchmarks/{fran['id']}/results"
        annas = answered(
            client.post(results, json={"session_id": session_id, "value": "4.5", "unit": "min", "scaling": "rx",
                                       "note": "unbroken thrusters"}, headers=as_anna),
            201,
        )  # fmt: skip
        assert (annas["score"], annas["personal_best"]) == ("270.0", True)
        bens = {"session_id": session_id, "member_id": ben, "value": "250", "unit": "s", "scaling": "scaled"}
        assert answered(client.post(results, json=bens, headers=admin), 201)["personal_best"] is True
        answered(client.put(f"/api/v1/bookings/members/{cleo}/benchmark-ranking", json={"opted_out": True},
                            headers=as_cleo), 204)  # fmt: skip
        cleos = {"session_id": session_id, "value": "200", "unit": "s", "scaling": "rx"}
        answered(client.post(results, json=cleos, headers=as_cleo), 201)

        # Bad input through the gateway: a unit the scoring does not allow, a member who did not attend.
        wrong_unit = client.post(results, json={**cleos, "unit": "kg"}, headers=as_cleo)
        assert wrong_unit.status_code == 422
        assert [e["loc"][-1] for e in wrong_unit.json()["errors"]] == ["unit"]
        _, as_stranger = member("Sam", "Stranger", "other")
        stranger = client.post(results, json=cleos, headers=as_stranger)
        assert stranger.status_code == 422, stranger.text
        assert [e["loc"][-1] for e in stranger.json()["errors"]] == ["session_id"]

        # The leaderboards: names from members, Cleo absent, per scaling and gender.
        leaderboard = f"/api/v1/bookings/benchmarks/{fran['id']}/leaderboard"

        def board(**params: str) -> list[tuple[Any, ...]]:
            items = answered(client.get(leaderboard, params=params, headers=as_ben))["items"]
            return [(r["rank"], r["display_name"], r["score"]) for r in items]

        rx = wait_until(lambda: board() if board() and board()[0][1] else None, "bookings to know Anna's name")
        assert rx == [(1, "Anna de Vries", "270.0")]
        assert all(cleo != r["member_id"] for r in answered(client.get(leaderboard, headers=admin))["items"])
        assert board(scaling="scaled") == [(1, "Ben Bakker", "250")]
        assert board(gender="female") == [(1, "Anna de Vries", "270.0")]
        assert board(gender="male") == []

        # Anna's personal best, and the studio's month.
        (best,) = answered(client.get(f"/api/v1/bookings/members/{anna}/benchmarks/personal-bests", headers=as_anna))
        assert (best["workout_name"], best["scaling"], best["score"]) == ("Fran", "rx", "270.0")
        others = client.get(f"/api/v1/bookings/members/{ben}/benchmarks/personal-bests", headers=as_anna)
        assert others.status_code == 404
        month = answered(client.get("/api/v1/bookings/benchmark-dashboard", headers=admin))
        (summary,) = month["items"]
        assert (summary["workout_name"], summary["results"], summary["members"]) == ("Fran", 3, 3)
        assert [(b["scaling"], b["display_name"]) for b in summary["best"]] == [
            ("rx", "Anna de Vries"),
            ("scaled", "Ben Bakker"),
        ]

    # The back office's benchmark page shows the same month, in a real browser.
    with chromium() as browser, logged_in(browser, stack.url, owner, PASSWORD) as page:
        page.get_by_role("link", name="Benchmarks").click()
        fran_row = page.get_by_test_id("benchmark-month").locator("tr", has_text="Fran")
        expect(fran_row.locator('[data-label="Results"]')).to_have_text("3")
        expect(fran_row.locator('[data-scaling="rx"]')).to_have_text("Rx: Anna de Vries 4:30")
        expect(fran_row.locator('[data-scaling="scaled"]')).to_have_text("Scaled: Ben Bakker 4:10")
        page.get_by_label("Month").fill("2020-01")
        page.get_by_role("button", name="Show").click()
        expect(page.get_by_text("No benchmark results this month.")).to_be_visible()
