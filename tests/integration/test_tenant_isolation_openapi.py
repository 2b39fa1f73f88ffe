"""Tenant isolation, generated from the merged OpenAPI document: every operation with a path id, called by another
studio's admin with this studio's real ids (and, where the path names a member, by a plain member with another
member's id), answers 404 or 403 and changes no row of the service's database.

The real services run in-process with their lifespans on their own migrated databases; the merged document is the
gateway's, built from those same apps. All five services are covered; ids of kinds not seeded here (payments,
subscriptions, notifications ...) are random, which still shows a 2xx, a 500 or a write.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import openpyxl
import pytest
import pytest_asyncio
from fastapi import FastAPI
from gymloop_billing.app import create_app as billing_app
from gymloop_billing.settings import BillingSettings
from gymloop_bookings.app import create_app as bookings_app
from gymloop_bookings.settings import BookingsSettings
from gymloop_devstack.testing import TokenFactory, service_client
from gymloop_gateway.app import create_app as gateway_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_importer.app import create_app as importer_app
from gymloop_kit.settings import ServiceSettings
from gymloop_members.app import create_app as members_app
from gymloop_members.settings import MembersSettings
from gymloop_notifications.app import create_app as notifications_app
from gymloop_notifications.settings import NotificationsSettings

pytestmark = pytest.mark.integration

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"
APPS = {"members": members_app, "bookings": bookings_app, "billing": billing_app,
        "notifications": notifications_app, "importer": importer_app}  # fmt: skip
COVERED = tuple(APPS)
OPERATIONS = ("get", "put", "post", "delete", "patch")
PATH_PARAMETER = re.compile(r"\{([a-z_]+)\}")
PASSWORD = "correct horse battery staple"
REFUSED = {403, 404}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Tenant:
    studio_id: uuid.UUID
    ids: dict[str, str] = field(default_factory=dict)  # path parameter name -> a real id of this studio
    member_ids: list[uuid.UUID] = field(default_factory=list)


class InProcess(httpx.AsyncBaseTransport):
    """The gateway's upstream calls, answered by the running services' apps by host name."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.transports = {name: httpx.ASGITransport(app=app) for name, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transports[request.url.host].handle_async_request(request)


def _settings(name: str, base: dict[str, Any], jwt_private_key: str) -> ServiceSettings:
    """Each service's own settings, with its background jobs and consumer off: only HTTP is under test."""
    quiet: dict[str, Any] = {"consumer_enabled": False}
    if name == "members":
        cheap_argon2 = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 1024, "argon2_parallelism": 1}
        return MembersSettings(
            **base | quiet | cheap_argon2 | {"jwt_private_key": jwt_private_key, "mail_poll_interval_s": 3600.0}
        )
    if name == "bookings":
        return BookingsSettings(**base | quiet | {"housekeeping_interval_s": 3600.0})
    if name == "billing":
        return BillingSettings(**base | quiet | {"scheduler_enabled": False, "stripe_webhook_secret": "whsec_x"})
    if name == "notifications":
        return NotificationsSettings(
            **base | quiet | {"mail_poll_interval_s": 3600.0, "scheduler_poll_interval_s": 3600.0}
        )
    return ServiceSettings(**base | quiet)


@pytest_asyncio.fixture(loop_scope="session")
async def services(new_database, make_settings, jwt_keys) -> AsyncIterator[dict[str, Any]]:
    """The covered services running (lifespan on), each with its database URL, plus the gateway's merged document."""
    urls = {name: await new_database(SERVICES_DIR / name / "migrations", prefix=f"iso_{name}") for name in COVERED}
    apps = {
        name: APPS[name](_settings(name, make_settings(name, urls[name]).model_dump(), jwt_keys.private_pem))
        for name in COVERED
    }
    async with contextlib.AsyncExitStack() as stack:
        clients = {name: await stack.enter_async_context(service_client(app)) for name, app in apps.items()}
        gateway_settings = GatewaySettings(
            service_urls={name: f"http://{name}" for name in apps}, jwt_public_key=jwt_keys.public_pem
        )
        gateway_under_test = gateway_app(gateway_settings, transport=InProcess(apps))
        gateway = await stack.enter_async_context(service_client(gateway_under_test))
        document = (await gateway.get("/openapi.json")).json()
        assert {state["status"] for state in document["x-gymloop-services"].values()} == {"included"}
        yield {"clients": clients, "urls": urls, "document": document}


async def _seed_members(http: httpx.AsyncClient, tenant_name: str) -> Tenant:
    answer = await http.post(
        "/studios/signup",
        json={"studio_name": tenant_name, "email": f"owner-{uuid.uuid4().hex[:8]}@gym.example.com",
              "password": PASSWORD, "first_name": "Olga", "last_name": "Owner"},
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    body = answer.json()
    tenant = Tenant(uuid.UUID(body["studio_id"]))
    admin = {"Authorization": f"Bearer {body['access_token']}"}
    for first_name in ("Mia", "Max"):
        answer = await http.post(
            "/members",
            json={"email": f"m-{uuid.uuid4().hex[:8]}@gym.example.com", "first_name": first_name,
                  "last_name": "Member", "start_date": "2026-01-05"},
            headers=admin,
        )  # fmt: skip
        assert answer.status_code == 201, answer.text
        tenant.member_ids.append(uuid.UUID(answer.json()["id"]))
    member_id = str(tenant.member_ids[1])
    tenant.ids["member_id"] = member_id
    answer = await http.post("/tags", json={"name": "VIP", "color": "#ff0000"}, headers=admin)
    assert answer.status_code == 201, answer.text
    tenant.ids["tag_id"] = answer.json()["id"]
    answer = await http.put(f"/members/{member_id}/tags/{tenant.ids['tag_id']}", headers=admin)
    answer = await http.post("/checklists", json={"name": "Intake", "actions": ["Welcome talk"]}, headers=admin)
    assert answer.status_code == 201, answer.text
    tenant.ids["template_id"] = answer.json()["id"]
    answer = await http.post(
        f"/members/{member_id}/checklists", json={"template_id": tenant.ids["template_id"]}, headers=admin
    )
    assert answer.status_code == 201, answer.text
    tenant.ids["checklist_id"] = answer.json()["id"]
    tenant.ids["item_id"] = answer.json()["items"][0]["id"]
    answer = await http.post(
        f"/members/{member_id}/attachments", files={"file": ("contract.pdf", b"%PDF-1.4 test", "application/pdf")},
        headers=admin,
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    tenant.ids["attachment_id"] = answer.json()["id"]
    await http.post(f"/members/{member_id}/notes", json={"text": "Knee injury"}, headers=admin)
    return tenant


async def _seed_bookings(http: httpx.AsyncClient, tokens: TokenFactory, tenant: Tenant) -> None:
    staff = tokens.headers(studio_id=tenant.studio_id, role="admin")
    answer = await http.put("/settings", json={}, headers=staff)
    assert answer.status_code == 200, answer.text
    answer = await http.post("/locations", json={"name": "Zaal 1"}, headers=staff)
    assert answer.status_code == 201, answer.text
    tenant.ids["location_id"] = answer.json()["id"]
    answer = await http.post("/session-types", json={"name": "CrossFit", "description": "All"}, headers=staff)
    assert answer.status_code == 201, answer.text
    tenant.ids["session_type_id"] = answer.json()["id"]
    starts = datetime.now(UTC) + timedelta(days=2)
    answer = await http.post(
        "/sessions",
        json={"location_id": tenant.ids["location_id"], "session_type_id": tenant.ids["session_type_id"],
              "day": starts.date().isoformat(), "start_time": "10:00:00", "duration_minutes": 60, "capacity": 10},
        headers=staff,
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    tenant.ids["session_id"] = answer.json()["id"]
    answer = await http.post(
        f"/sessions/{tenant.ids['session_id']}/bookings", json={"member_id": tenant.ids["member_id"]}, headers=staff
    )
    answer = await http.post(
        "/schedules",
        json={"location_id": tenant.ids["location_id"], "slots": [{"weekday": 0, "start_time": "09:00:00",
              "duration_minutes": 60, "session_type_id": tenant.ids["session_type_id"], "capacity": 8}]},
        headers=staff,
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    tenant.ids["schedule_id"] = answer.json()["id"]


async def _seed_billing(http: httpx.AsyncClient, database_url: str, tokens: TokenFactory, tenant: Tenant) -> None:
    """A plan and a subscription of the member; the member arrives as members' MemberRegistered would leave it."""
    admin = tokens.headers(studio_id=tenant.studio_id, role="admin")
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(
            "INSERT INTO member (member_id, studio_id, first_name, last_name, email, start_date, status) "
            "VALUES ($1, $2, 'Max', 'Member', 'max@gym.example.com', $3, 'active')",
            uuid.UUID(tenant.ids["member_id"]), tenant.studio_id, date(2026, 1, 5),
        )  # fmt: skip
    finally:
        await connection.close()
    answer = await http.post(
        "/plans",
        json={"name": "10-ride card", "kind": "session_pack", "price_cents": 9900, "period": "one_off",
              "sessions": 10, "valid_days": 90},
        headers=admin,
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    tenant.ids["plan_id"] = answer.json()["id"]
    answer = await http.post(
        "/subscriptions",
        json={"member_id": tenant.ids["member_id"], "plan_id": tenant.ids["plan_id"], "start_date": "2026-01-05"},
        headers=admin,
    )
    assert answer.status_code == 201, answer.text
    tenant.ids["subscription_id"] = answer.json()["id"]
    answer = await http.post("/products", json={"name": "Shake", "price_cents": 350}, headers=admin)
    assert answer.status_code == 201, answer.text
    tenant.ids["product_id"] = answer.json()["id"]


async def _seed_notifications(http: httpx.AsyncClient, tokens: TokenFactory, tenant: Tenant) -> None:
    admin = tokens.headers(studio_id=tenant.studio_id, role="admin")
    answer = await http.post(
        "/messages", json={"subject": "Closed Monday", "body": "Maintenance", "audience": {"type": "all"}},
        headers=admin,
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    tenant.ids["message_id"] = answer.json()["message_id"]
    answer = await http.post("/info-posts", json={"title": "Summer hours", "body": "Closed in August"}, headers=admin)
    assert answer.status_code == 201, answer.text
    tenant.ids["post_id"] = answer.json()["post_id"]


async def _seed_importer(http: httpx.AsyncClient, tokens: TokenFactory, tenant: Tenant) -> None:
    """An import of the real template with one row missing its last name: rejected, but an import with a log."""
    admin = tokens.headers(studio_id=tenant.studio_id, role="admin")
    template = await http.get("/imports/template", headers=admin)
    assert template.status_code == 200, template.text
    workbook = openpyxl.load_workbook(io.BytesIO(template.content))
    workbook["Members"].append(["Jan", None, "jan@example.com", "2025-01-01"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    answer = await http.post("/imports", headers=admin, files={"file": ("members.xlsx", buffer.getvalue(), XLSX)})
    assert answer.status_code == 202, answer.text
    tenant.ids["import_id"] = answer.json()["id"]
    tenant.ids["import_job_id"] = tenant.ids["import_id"]
    # validated by a job after the answer: wait for its decision, so no row changes while the routes are probed
    for _ in range(300):
        if (await http.get(f"/imports/{tenant.ids['import_id']}", headers=admin)).json()["status"] == "rejected":
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the seeded import was never rejected")


def _operations(document: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    """(service, method, path without /api/v1/<service>, operation) of every operation with a path id."""
    found = []
    for path, item in document["paths"].items():
        parts = path.split("/")
        if len(parts) < 4 or parts[1:3] != ["api", "v1"] or parts[3] not in COVERED or not PATH_PARAMETER.search(path):
            continue
        for method, operation in item.items():
            if method in OPERATIONS:
                found.append((parts[3], method.upper(), "/" + "/".join(parts[4:]), operation))
    return found


def _example(schema: dict[str, Any], components: dict[str, Any], ids: dict[str, str], depth: int = 0) -> Any:
    """A small value valid for `schema`: required fields and id fields, ids taken from the studio under attack."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].split("/")[-1]], components, ids, depth + 1)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            options = [option for option in schema[combinator] if option.get("type") != "null"]
            return _example(options[0], components, ids, depth + 1) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "object")
    if kind == "object":
        properties = schema.get("properties", {})
        return {
            name: _example(properties[name], components, ids, depth + 1) if name not in ids else ids[name]
            for name in properties
            if name in schema.get("required", []) or name in ids  # the studio's ids wherever the body takes them
        }
    if kind == "array":
        items = _example(schema.get("items", {}), components, ids, depth + 1)
        return [items] * max(schema.get("minItems", 0), 1 if depth < 3 else 0)
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return max(float(schema.get("minimum", 1)), 1.0)
    if kind == "boolean":
        return True
    formats = {"uuid": str(uuid.uuid4()), "date": (date.today() + timedelta(days=3)).isoformat(),
               "date-time": (datetime.now(UTC) + timedelta(days=3)).isoformat(), "email": "x@gym.example.com",
               "time": "10:00:00", "binary": "file"}  # fmt: skip
    if schema.get("format") in formats:
        return formats[schema["format"]]
    if schema.get("examples"):  # a documented form, e.g. a wall time's 18:30:00
        return schema["examples"][0]
    return "x" * max(schema.get("minLength", 1), 1)


def _request(operation: dict[str, Any], path: str, components: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """The keyword arguments of httpx's request() for one call with `ids` in the path and the body."""
    in_path = {
        parameter["name"]: str(_example(parameter.get("schema", {}), components, ids))
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    }
    url = PATH_PARAMETER.sub(lambda match: ids.get(match.group(1), in_path[match.group(1)]), path)
    params = {
        parameter["name"]: _example(parameter.get("schema", {}), components, ids)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter.get("required")
    }
    arguments: dict[str, Any] = {"url": url, "params": params}
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        arguments["json"] = _example(content["application/json"]["schema"], components, ids)
    elif "multipart/form-data" in content:
        arguments["files"] = {"file": ("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")}
    return arguments


async def _row_counts(database_url: str) -> dict[str, int]:
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        tables = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {
            row["tablename"]: await connection.fetchval(f'SELECT count(*) FROM "{row["tablename"]}"')  # noqa: S608
            for row in tables
        }
    finally:
        await connection.close()


# Public by design: what a studio's public page shows to anybody (no person, no payment), keyed by the studio.
PUBLIC_BY_DESIGN = {
    ("billing", "GET", "/public/studios/{studio_id}/plans"),
    ("bookings", "GET", "/public/studios/{studio_id}/agenda"),
}
# Refused on the caller's own studio before any id is looked up: says nothing about the other studio's ids.
OWN_STUDIO_REFUSALS = {("billing", "PUT", "/members/{member_id}/stripe/payment-method"): "not_stripe"}


@dataclass
class Findings:
    leaks: list[tuple[Any, ...]] = field(default_factory=list)  # 2xx, 500 or changed rows
    unreached: list[tuple[Any, ...]] = field(default_factory=list)  # 422: the call never reached the studio check


async def _attack(services: dict[str, Any], tokens: TokenFactory, routes: set[tuple[str, str, str]] | None) -> Findings:
    """Seed two studios, then call every operation with a path id (or only `routes`) as the attackers."""
    clients, urls, document = services["clients"], services["urls"], services["document"]
    components = document["components"]["schemas"]
    studio_a = await _seed_members(clients["members"], "Studio A")
    studio_b = await _seed_members(clients["members"], "Studio B")
    await _seed_bookings(clients["bookings"], tokens, studio_a)
    await _seed_bookings(clients["bookings"], tokens, studio_b)
    await _seed_billing(clients["billing"], urls["billing"], tokens, studio_a)
    await _seed_notifications(clients["notifications"], tokens, studio_a)
    await _seed_importer(clients["importer"], tokens, studio_a)
    b_admin = tokens.headers(studio_id=studio_b.studio_id, role="admin", member_id=studio_b.member_ids[0])
    a_member = tokens.headers(studio_id=studio_a.studio_id, role="member", member_id=studio_a.member_ids[0])

    operations = [op for op in _operations(document) if routes is None or op[:3] in routes]
    calls = [(*op, b_admin, "studio B's admin") for op in operations]
    calls += [(*op, a_member, "another member of studio A") for op in operations if "{member_id}" in op[2]]
    findings = Findings()
    for service, method, path, operation, headers, caller in calls:
        if (service, method, path) in PUBLIC_BY_DESIGN:
            continue
        before = await _row_counts(urls[service])
        answer = await clients[service].request(
            method, headers=headers, **_request(operation, path, components, studio_a.ids)
        )
        after = await _row_counts(urls[service])
        changed = {table: (before[table], after[table]) for table in before if before[table] != after[table]}
        if answer.status_code in REFUSED and not changed:
            continue
        code = answer.json().get("code") if answer.status_code == 422 else None
        if code is not None and OWN_STUDIO_REFUSALS.get((service, method, path)) == code and not changed:
            continue
        finding = (service, method, path, caller, answer.status_code, changed, answer.text[:300])
        (findings.unreached if answer.status_code == 422 and not changed else findings.leaks).append(finding)
    return findings


async def test_another_studio_and_another_member_get_404_or_403_and_change_nothing(services, tokens):
    operations = _operations(services["document"])
    assert {service for service, *_ in operations} == set(COVERED)
    assert len(operations) > 60
    findings = await _attack(services, tokens, routes=None)
    assert findings.leaks == []
    assert findings.unreached == []
