"""The service skeleton every service gets from create_service_app."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import APIRouter
from gymloop_contracts.events.members import MemberArchived
from gymloop_devstack.testing import error_fields, problem, service_client
from gymloop_kit.app import ServiceSpec, Session, create_service_app
from gymloop_kit.auth import KeyPair, Staff, issue_access_token
from gymloop_kit.errors import InvalidInput
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import text

pytestmark = pytest.mark.integration

router = APIRouter()


@router.post("/archive/{member_id}")
async def archive(member_id: uuid.UUID, principal: Staff, session: Session, fail: bool = False) -> dict[str, str]:
    await add_event(session, MemberArchived(member_id=member_id), studio_id=principal.studio_id)
    if fail:
        raise InvalidInput("reason must be given when archiving", code="reason_missing", field="reason")
    return {"status": "archived"}


def _app(settings):
    return create_service_app(ServiceSpec(name="kitdemo", description="kit test service", routers=[router]), settings)


@pytest.fixture
async def client(kit_database, make_settings, private_kafka):
    settings = make_settings("kitdemo", kit_database, kafka=private_kafka.bootstrap_servers)
    async with service_client(_app(settings)) as http:
        yield http


async def _outbox(kit_database):
    from gymloop_kit.db import Database

    database = Database(kit_database)
    try:
        async with database.transaction() as session:
            return (await session.execute(text("SELECT envelope FROM outbox ORDER BY id"))).scalars().all()
    finally:
        await database.dispose()


async def test_health_ready_metrics_and_documents(client):
    assert (await client.get("/health")).json() == {"status": "ok", "service": "kitdemo"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"]["status"] == "ok"
    assert ready.json()["checks"]["broker"]["status"] == "ok"
    assert ready.json()["checks"]["relay"]["status"] == "ok"
    assert "gymloop_outbox_published_total" in (await client.get("/metrics")).text
    assert (await client.get("/asyncapi.json")).json()["asyncapi"] == "3.0.0"
    assert "/archive/{member_id}" in (await client.get("/openapi.json")).json()["paths"]


async def test_ready_names_the_database_when_it_is_down(make_settings, private_kafka):
    settings = make_settings(
        "kitdemo", "postgresql+asyncpg://postgres@/no_such_db?host=/nonexistent", kafka=private_kafka.bootstrap_servers
    )
    async with service_client(_app(settings)) as http:
        ready = await http.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"]["status"] == "down"
    assert ready.json()["checks"]["broker"]["status"] == "ok"


async def test_tokens_are_checked_and_roles_enforced(client, tokens):
    studio = uuid.uuid4()
    url = f"/archive/{uuid.uuid4()}"
    assert (await client.post(url)).status_code == 401
    forged = issue_access_token(KeyPair.generate().private_pem, account_id=uuid.uuid4(), studio_id=studio, role="admin")
    answer = await client.post(url, headers={"Authorization": f"Bearer {forged}"})
    assert problem(answer, 401)["code"] == "invalid_token"
    assert answer.headers["www-authenticate"] == "Bearer"
    expired = tokens(studio_id=studio, role="admin", ttl_s=-60)
    assert problem(await client.post(url, headers={"Authorization": f"Bearer {expired}"}))["code"] == "token_expired"
    member = await client.post(url, headers=tokens.headers(studio_id=studio, role="member"))
    assert member.status_code == 403
    assert (await client.post(url, headers=tokens.headers(studio_id=studio, role="employee"))).status_code == 200


async def test_a_failed_use_case_answers_clearly_and_writes_nothing(client, tokens, kit_database):
    answer = await client.post(
        f"/archive/{uuid.uuid4()}", params={"fail": True}, headers=tokens.headers(studio_id=uuid.uuid4(), role="admin")
    )
    assert problem(answer, 422) == {
        "type": "urn:gymloop:problem:reason_missing",
        "title": "Invalid input",
        "status": 422,
        "detail": "reason must be given when archiving",
        "code": "reason_missing",
        "errors": [{"loc": ["body", "reason"], "msg": "reason must be given when archiving", "type": "reason_missing"}],
    }
    assert error_fields(answer)[0]["loc"] == ["body", "reason"]
    assert await _outbox(kit_database) == []


async def test_correlation_id_travels_from_the_request_into_the_event(client, tokens, kit_database):
    headers = {**tokens.headers(studio_id=uuid.uuid4(), role="admin"), "X-Correlation-ID": "corr-123"}
    answer = await client.post(f"/archive/{uuid.uuid4()}", headers=headers)
    assert answer.headers["x-correlation-id"] == "corr-123"
    (envelope,) = await _outbox(kit_database)
    assert envelope["correlation_id"] == "corr-123"
    generated = await client.get("/health")
    assert uuid.UUID(generated.headers["x-correlation-id"])


def test_access_token_claims_round_trip(jwt_keys):
    from gymloop_kit.auth import Role, TokenVerifier

    studio, account, member = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    token = issue_access_token(
        jwt_keys.private_pem, account_id=account, studio_id=studio, role=Role.member, member_id=member,
        now=datetime.now(UTC) - timedelta(seconds=5),
    )  # fmt: skip
    principal = TokenVerifier(jwt_keys.public_pem).verify(token)
    assert (principal.account_id, principal.studio_id, principal.role, principal.member_id) == (
        account, studio, Role.member, member,
    )  # fmt: skip
    assert not principal.is_staff
