"""Demo data for `make dev`, seeded through the gateway like any client would, in small idempotent steps.

The demo studio has a fixed id, so a token for it can be minted with the dev key pair before the members
service has any studio of its own. Each step first looks in the merged OpenAPI document for the routes it
needs: a service (or a route) that is not there yet is skipped with a note, never an error. Each step either
looks up what it would create or remembers what it created in <data dir>/demo-state.json, so a second
`make dev` creates nothing twice.

Steps (in order):
1. members   - the studio (signup) with its admin, a coach and three members
2. billing   - plans: a 10-session pack, unlimited monthly, a free staff plan        (waits for billing's API)
3. bookings  - booking settings, a location, session types, a weekly schedule and the sessions of the week
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from gymloop_kit.auth import Role, issue_access_token

DEMO_STUDIO_ID = uuid.uuid5(uuid.NAMESPACE_DNS, "demo-studio.gymloop.local")
DEMO_ADMIN_ACCOUNT_ID = uuid.uuid5(uuid.NAMESPACE_DNS, "owner.demo-studio.gymloop.local")
DEMO_PASSWORD = "Squat-Rack-2024"  # noqa: S105 - a published demo password for local data only
DEMO_PEOPLE = [
    ("admin", "Olivia", "Owner", "owner@gymloop-demo.example.com"),
    ("employee", "Chris", "Coach", "coach@gymloop-demo.example.com"),
    ("member", "Peter", "Jansen", "peter@gymloop-demo.example.com"),
    ("member", "Sara", "de Vries", "sara@gymloop-demo.example.com"),
    ("member", "Mo", "El Amrani", "mo@gymloop-demo.example.com"),
]
DEV_TOKEN_TTL_S = 12 * 3600

Say = Callable[[str], None]


@dataclass
class DemoResult:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"seeded: {', '.join(self.done) or 'nothing new'}"]
        if self.skipped:
            parts.append(f"skipped: {'; '.join(self.skipped)}")
        return "; ".join(parts)


class StepSkipped(Exception):
    """The service or route a step needs is not there (yet)."""


class Demo:
    def __init__(self, client: httpx.Client, state_path: Path, say: Say) -> None:
        self.client = client
        self.state_path = state_path
        self.say = say
        self.state: dict[str, Any] = json.loads(state_path.read_text()) if state_path.exists() else {}
        self._routes: set[tuple[str, str]] | None = None

    def save(self) -> None:
        self.state_path.write_text(json.dumps(self.state, indent=2, sort_keys=True))

    def routes(self) -> set[tuple[str, str]]:
        if self._routes is None:
            document = self.client.get("/openapi.json").json()
            self._routes = {
                (method.upper(), path) for path, item in document.get("paths", {}).items() for method in item
            }
        return self._routes

    def need(self, *routes: str) -> None:
        missing = [route for route in routes if tuple(route.split(" ", 1)) not in self.routes()]
        if missing:
            raise StepSkipped(f"no {', '.join(missing)} yet")

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.client.request(method, path, **kwargs)
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path} answered {answer.status_code}: {answer.text[:300]}")
        return answer.json() if answer.content else None


# -- the steps ----------------------------------------------------------------------------------------------------


def seed_members(demo: Demo) -> str:
    """The studio and its admin (signed up once, logged in afterwards), then a coach and three members.
    The admin's token replaces the dev token for the next steps, so all demo data is in this one studio.
    The coach and the members have no password yet: their first login sends a set-password e-mail (the sink)."""
    demo.need("POST /api/v1/members/auth/login", "POST /api/v1/members/studios/signup", "GET /api/v1/members/members",
              "POST /api/v1/members/members")  # fmt: skip
    _, first, last, email = DEMO_PEOPLE[0]
    login = demo.client.post("/api/v1/members/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    tokens = (login.json().get("tokens") if login.status_code == 200 else None) or None
    made_studio = tokens is None
    if tokens is None:
        tokens = demo.call("POST", "/api/v1/members/studios/signup", json={
            "studio_name": "Gymloop Demo Studio", "timezone": "Europe/Amsterdam", "email": email,
            "password": DEMO_PASSWORD, "first_name": first, "last_name": last,
        })  # fmt: skip
    demo.client.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    demo.state["members_studio_id"] = tokens["studio_id"]
    demo.save()
    added = 0
    for role, first, last, email in DEMO_PEOPLE[1:]:
        found = demo.call("GET", "/api/v1/members/members", params={"q": email})
        if not found.get("items"):
            demo.call("POST", "/api/v1/members/members", json={
                "email": email, "first_name": first, "last_name": last, "role": role, "is_member": role == "member",
            })  # fmt: skip
            added += 1
    return f"members (studio {'created' if made_studio else 'reused'}, {added} people added)"


DEMO_PLANS: list[dict[str, Any]] = [
    {"name": "10-session pack", "kind": "session_pack", "price_cents": 12000, "currency": "EUR",
     "period": "one_off", "sessions": 10, "valid_days": 90},
    {"name": "Unlimited monthly", "kind": "unlimited", "price_cents": 5900, "currency": "EUR",
     "period": "monthly", "weekly_limit": 5},
    {"name": "Staff", "kind": "unlimited", "price_cents": 0, "currency": "EUR", "period": "monthly",
     "free": True, "visible": False},
]  # fmt: skip


def seed_billing(demo: Demo) -> str:
    """Plans: a 10-session pack, unlimited monthly (at most 5 a week) and a free, hidden staff plan.
    Subscriptions for the demo members are left out: they need members' ids in billing (see the report)."""
    demo.need("POST /api/v1/billing/plans", "GET /api/v1/billing/plans")
    existing = demo.call("GET", "/api/v1/billing/plans")
    items = existing.get("items", []) if isinstance(existing, dict) else existing
    added = 0
    for plan in DEMO_PLANS:
        if _by_name(items, plan["name"]) is None:
            demo.call("POST", "/api/v1/billing/plans", json=plan)
            added += 1
    return f"billing ({added} plans added)"


def _by_name(items: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((item for item in items if item.get("name") == name), None)


def seed_bookings(demo: Demo) -> str:
    """Booking settings, the 'Main hall' location, three session types, a weekly schedule and its sessions for
    the coming week (generating is idempotent in bookings; the schedule is created once and remembered)."""
    demo.need(
        "PUT /api/v1/bookings/settings",
        "GET /api/v1/bookings/locations",
        "POST /api/v1/bookings/locations",
        "GET /api/v1/bookings/session-types",
        "POST /api/v1/bookings/session-types",
        "POST /api/v1/bookings/schedules",
        "POST /api/v1/bookings/schedules/{schedule_id}/generate",
    )
    demo.call("PUT", "/api/v1/bookings/settings", json={})  # the default policy; name and zone come from members
    location = _by_name(demo.call("GET", "/api/v1/bookings/locations"), "Main hall")
    if location is None:
        location = demo.call("POST", "/api/v1/bookings/locations", json={"name": "Main hall"})
    existing_types = demo.call("GET", "/api/v1/bookings/session-types")
    types: dict[str, str] = {}
    for name, description in [
        ("Yoga", "Flow yoga for every level"),
        ("HIIT", "45 minutes of intervals"),
        ("Spinning", "Indoor cycling to music"),
    ]:
        found = _by_name(existing_types, name)
        if found is None:
            found = demo.call("POST", "/api/v1/bookings/session-types", json={"name": name, "description": description})
        types[name] = found["id"]
    slots = [
        {"weekday": day, "start_time": start, "duration_minutes": minutes, "session_type_id": types[kind],
         "capacity": capacity}
        for day, start, minutes, kind, capacity in [
            (0, "07:00", 60, "Yoga", 16), (0, "19:00", 45, "HIIT", 20), (1, "18:30", 45, "Spinning", 14),
            (2, "07:00", 60, "Yoga", 16), (3, "19:00", 45, "HIIT", 20), (4, "12:15", 45, "Spinning", 14),
            (5, "10:00", 75, "Yoga", 16),
        ]
    ]  # fmt: skip
    schedule_id = demo.state.get("bookings_schedule_id")
    created_schedule = False
    if schedule_id is None:
        schedule = demo.call("POST", "/api/v1/bookings/schedules", json={"location_id": location["id"], "slots": slots})
        schedule_id = demo.state["bookings_schedule_id"] = schedule["id"]
        demo.save()
        created_schedule = True
    today = datetime.now(UTC).date()
    sessions = _generate_week(demo, schedule_id, today)
    if sessions is None:  # the remembered schedule is gone (the database was reset): make it again
        schedule = demo.call("POST", "/api/v1/bookings/schedules", json={"location_id": location["id"], "slots": slots})
        schedule_id = demo.state["bookings_schedule_id"] = schedule["id"]
        demo.save()
        created_schedule = True
        sessions = _generate_week(demo, schedule_id, today) or []
    what = "schedule created" if created_schedule else "schedule reused"
    return f"bookings ({what}, {len(sessions)} new sessions this week)"


def _generate_week(demo: Demo, schedule_id: str, first_day: date) -> list[dict[str, Any]] | None:
    answer = demo.client.post(
        f"/api/v1/bookings/schedules/{schedule_id}/generate", json={"first_day": first_day.isoformat(), "weeks": 1}
    )
    if answer.status_code == 404:
        return None
    if answer.status_code >= 400:
        raise RuntimeError(f"generating sessions answered {answer.status_code}: {answer.text[:300]}")
    sessions: list[dict[str, Any]] = answer.json()
    return sessions


STEPS: list[tuple[str, Callable[[Demo], str]]] = [
    ("members", seed_members),
    ("billing", seed_billing),
    ("bookings", seed_bookings),
]


def dev_admin_token(private_key_pem: str, studio_id: uuid.UUID, account_id: uuid.UUID) -> str:
    """A long-lived admin token minted with the dev key (members issues 15-minute ones at login)."""
    return issue_access_token(
        private_key_pem,
        account_id=account_id,
        studio_id=studio_id,
        role=Role.admin,
        ttl_s=DEV_TOKEN_TTL_S,
        now=datetime.now(UTC),
    )


def seed(gateway_url: str, private_key_pem: str, public_key_pem: str, data_dir: Path, say: Say) -> DemoResult:
    del public_key_pem  # services verify with it; seeding only needs to sign
    token = dev_admin_token(private_key_pem, DEMO_STUDIO_ID, DEMO_ADMIN_ACCOUNT_ID)
    result = DemoResult()
    headers = {"Authorization": f"Bearer {token}", "X-Correlation-ID": f"demo-seed-{uuid.uuid4().hex[:8]}"}
    with httpx.Client(base_url=gateway_url, headers=headers, timeout=30.0, trust_env=False) as client:
        demo = Demo(client, data_dir / "demo-state.json", say)
        for name, step in STEPS:
            try:
                result.done.append(step(demo))
            except StepSkipped as skipped:
                result.skipped.append(f"{name}: {skipped}")
            except Exception as error:
                result.skipped.append(f"{name} failed: {error}"[:300])
        studio_id = uuid.UUID(demo.state.get("members_studio_id", str(DEMO_STUDIO_ID)))
    token_path = data_dir / "dev-admin-token.txt"
    token_path.write_text(dev_admin_token(private_key_pem, studio_id, DEMO_ADMIN_ACCOUNT_ID) + "\n")
    today = datetime.now(UTC).date().isoformat()
    result.logins += [
        f"admin token of the demo studio {studio_id} (valid {DEV_TOKEN_TTL_S // 3600} h) in {token_path}; try:",
        f'  curl -H "Authorization: Bearer $(cat {token_path})" "{gateway_url}/api/v1/bookings/agenda?day={today}"',
    ]
    if any(done.startswith("members") for done in result.done):
        _, _, _, owner = DEMO_PEOPLE[0]
        api_login = "POST /api/v1/members/auth/login"
        result.logins.append(f"admin    {owner} / {DEMO_PASSWORD}  (back office {gateway_url}/login; API {api_login})")
        result.logins += [
            f"{role:<8} {email} (first login e-mails a set-password link to the mail sink)"
            for role, _, _, email in DEMO_PEOPLE[1:]
        ]
    else:
        result.logins.append("demo logins come once the members service's demo step runs")
    return result
