"""Sign-up with an Idempotency-Key: a retry gets the first answer and charges nothing more; the same key with
another body is refused (422); concurrent twins book once; without the header a sign-up is as before."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from gymloop_devstack.testing import error_fields, problem
from gymloop_kit.idempotency.store import purge_expired
from sqlalchemy import text

pytestmark = pytest.mark.integration


async def _bookings_of(studio, session_id) -> int:
    roster = await studio.http.get(f"/sessions/{session_id}", headers=studio.staff)
    assert roster.status_code == 200, roster.text
    return int(roster.json()["booked"])


async def test_a_retried_sign_up_gets_the_first_answer_and_books_once(studio):
    member = uuid.uuid4()
    await studio.grant(member, credits=6)
    session_id = await studio.session(starts_in=timedelta(days=1))
    caller = {**studio.member(member), "Idempotency-Key": str(uuid.uuid4())}

    first = await studio.http.post(f"/sessions/{session_id}/bookings", json={}, headers=caller)
    retry = await studio.http.post(f"/sessions/{session_id}/bookings", json={}, headers=caller)

    assert first.status_code == 201, first.text
    assert (retry.status_code, retry.content) == (first.status_code, first.content)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    account = await studio.account(member)
    assert (account["credits_left"], account["active_sign_ups"]) == (5, 1)
    assert await _bookings_of(studio, session_id) == 1


async def test_a_waitlisted_sign_up_is_replayed_as_202_with_the_same_position(studio):
    booked, waiting = uuid.uuid4(), uuid.uuid4()
    await studio.grant(booked, credits=3)
    await studio.grant(waiting, credits=3)
    session_id = await studio.session(starts_in=timedelta(days=1), capacity=1)
    assert (await studio.sign_up(session_id, booked)).status_code == 201
    caller = {**studio.member(waiting), "Idempotency-Key": "wait-1"}

    first = await studio.http.post(f"/sessions/{session_id}/bookings", json={}, headers=caller)
    retry = await studio.http.post(f"/sessions/{session_id}/bookings", json={}, headers=caller)

    assert first.status_code == 202, first.text
    assert (retry.status_code, retry.json()) == (202, first.json())
    detail = await studio.http.get(f"/sessions/{session_id}", headers=studio.staff)
    assert detail.json()["waiting"] == 1


async def test_the_same_key_with_another_body_is_refused_and_changes_nothing(studio):
    anna, bob = uuid.uuid4(), uuid.uuid4()
    await studio.grant(anna, credits=6)
    await studio.grant(bob, credits=6)
    session_id = await studio.session(starts_in=timedelta(days=1))
    staff = {**studio.staff, "Idempotency-Key": "front-desk-1"}
    first = await studio.http.post(f"/sessions/{session_id}/bookings", json={"member_id": str(anna)}, headers=staff)
    assert first.status_code == 201, first.text

    other = await studio.http.post(f"/sessions/{session_id}/bookings", json={"member_id": str(bob)}, headers=staff)

    assert problem(other, 422)["code"] == "idempotency_key_reused"
    assert error_fields(other)[0]["loc"] == ["header", "Idempotency-Key"]
    account = await studio.account(bob)
    assert (account["credits_left"], account["active_sign_ups"]) == (6, 0)


async def test_concurrent_twins_with_one_key_book_once_and_answer_alike(studio):
    member = uuid.uuid4()
    await studio.grant(member, credits=6)
    session_id = await studio.session(starts_in=timedelta(days=1))
    caller = {**studio.member(member), "Idempotency-Key": str(uuid.uuid4())}

    answers = await asyncio.gather(
        *(studio.http.post(f"/sessions/{session_id}/bookings", json={}, headers=caller) for _ in range(4))
    )

    assert {(answer.status_code, answer.content) for answer in answers} == {(201, answers[0].content)}
    assert (await studio.account(member))["credits_left"] == 5


async def test_a_key_belongs_to_its_caller_and_without_one_a_sign_up_is_as_before(studio):
    anna, bob = uuid.uuid4(), uuid.uuid4()
    await studio.grant(anna, credits=6)
    await studio.grant(bob, credits=6)
    session_id = await studio.session(starts_in=timedelta(days=1))
    shared_key = {"Idempotency-Key": "same-key"}
    for member in (anna, bob):
        answer = await studio.http.post(
            f"/sessions/{session_id}/bookings", json={}, headers={**studio.member(member), **shared_key}
        )
        assert answer.status_code == 201, answer.text
    assert await _bookings_of(studio, session_id) == 2

    again = await studio.sign_up(session_id, anna)  # no header: a second sign-up is refused as it always was
    assert problem(again, 409)["code"] == "already_booked"


async def test_an_expired_key_is_purged_and_a_later_request_with_it_is_new(studio, client):
    first_session = await studio.session(starts_in=timedelta(days=1))
    second_session = await studio.session(starts_in=timedelta(days=2))
    member = uuid.uuid4()
    await studio.grant(member, credits=6)
    caller = {**studio.member(member), "Idempotency-Key": "old-key"}
    assert (await client.post(f"/sessions/{first_session}/bookings", json={}, headers=caller)).status_code == 201
    database = client.app.state.runtime.database
    async with database.transaction() as session:
        await session.execute(
            text("UPDATE idempotency_key SET created_at = now() - interval '25 hours' WHERE key = 'old-key'")
        )

    reused = await client.post(f"/sessions/{second_session}/bookings", json={}, headers=caller)
    assert reused.status_code == 201, reused.text  # expired: another body is a new request, not a reuse
    assert (await studio.account(member))["active_sign_ups"] == 2
    async with database.transaction() as session:
        await session.execute(
            text("UPDATE idempotency_key SET created_at = now() - interval '25 hours' WHERE key = 'old-key'")
        )
    assert await purge_expired(database, ttl_s=24 * 3600) >= 1
    async with database.transaction() as session:
        left = await session.scalar(text("SELECT count(*) FROM idempotency_key WHERE key = 'old-key'"))
    assert left == 0


async def test_the_header_is_documented_on_sign_up(client):
    operation = (await client.get("/openapi.json")).json()["paths"]["/sessions/{session_id}/bookings"]["post"]
    headers = [p for p in operation["parameters"] if p["in"] == "header"]
    assert [p["name"] for p in headers] == ["Idempotency-Key"]
    assert headers[0]["required"] is False
    assert "first answer" in headers[0]["description"]
