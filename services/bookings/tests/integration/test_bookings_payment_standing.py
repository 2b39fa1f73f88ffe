"""Bookings follows billing's payment standing: MemberPaymentStateChanged (newest sequence wins, per studio and
member) and BillingSettingsChanged (whether overdue members may book). An overdue member's own sign-up is refused
and books nothing; staff book them with a reason that the user log keeps; once billing says they paid, they book."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from gymloop_bookings.messaging.subscriptions import on_billing_settings, on_member_payment_state
from gymloop_contracts import wrap
from gymloop_contracts.base import EventPayload
from gymloop_contracts.events.billing import BillingSettingsChanged, MemberPaymentStateChanged
from gymloop_devstack.testing import problem
from gymloop_kit.db import Database

pytestmark = pytest.mark.integration


async def _deliver(studio: Any, handler: Any, event: EventPayload, sequence: int) -> None:
    envelope = wrap(event, studio_id=studio.studio_id, producer="billing", correlation_id="test", sequence=sequence)
    if studio.database is None:
        studio.database = Database(studio.http.database_url, pool_size=1)
    async with studio.database.transaction() as db:
        await handler(db, event, envelope)


async def _standing(studio: Any, member_id: uuid.UUID, state: str, sequence: int) -> None:
    event = MemberPaymentStateChanged(member_id=member_id, state=state, failed_attempts=4 if state == "overdue" else 0)
    await _deliver(studio, on_member_payment_state, event, sequence)


async def test_an_overdue_member_is_refused_staff_book_with_a_reason_and_paying_lifts_it(
    studio: Any, client: Any
) -> None:
    member_id = uuid.uuid4()
    await studio.grant(member_id, credits=5)
    first, second = await studio.session(timedelta(days=1)), await studio.session(timedelta(days=2))
    await _standing(studio, member_id, "overdue", 1)

    refused = await studio.sign_up(first, member_id)
    assert problem(refused, 409)["code"] == "payment_overdue"
    assert "pay the open amount" in refused.json()["detail"]
    assert (await studio.account(member_id))["credits_left"] == 5

    path = f"/sessions/{first}/bookings"
    unexplained = await client.post(path, json={"member_id": str(member_id)}, headers=studio.staff)
    assert problem(unexplained, 422)["code"] == "overdue_reason_required"
    booked = await client.post(
        path, json={"member_id": str(member_id), "reason": "pays at the desk tonight"}, headers=studio.staff
    )
    assert booked.status_code == 201, booked.text
    log = (await client.get(f"/members/{member_id}/log", headers=studio.staff)).json()["items"]
    assert [(e["reason"], e["note"], e["change"]) for e in log if e["booking_id"]] == [
        ("signed_up_while_overdue", "pays at the desk tonight", -1)
    ]

    await _standing(studio, member_id, "ok", 3)
    await _standing(studio, member_id, "overdue", 2)  # late, older: changes nothing
    own = await studio.sign_up(second, member_id)
    assert own.status_code == 201, own.text
    assert (await studio.account(member_id))["credits_left"] == 3


async def test_the_studio_may_let_overdue_members_book_and_standing_stays_in_its_studio(
    make_studio: Any, client: Any
) -> None:
    lenient, strict = await make_studio(), await make_studio()
    member_id = uuid.uuid4()
    await lenient.grant(member_id)
    await _standing(strict, member_id, "overdue", 1)  # another studio's word about this id: not the lenient one's
    assert (await lenient.sign_up(await lenient.session(timedelta(days=1)), member_id)).status_code == 201

    await _standing(lenient, member_id, "overdue", 2)
    assert problem(await lenient.sign_up(await lenient.session(timedelta(days=2)), member_id), 409)
    settings = BillingSettingsChanged(
        studio_id=lenient.studio_id, collection_method="sepa_export", currency="EUR", overdue_members_may_book=True
    )
    await _deliver(lenient, on_billing_settings, settings, 1)
    booked = await lenient.sign_up(await lenient.session(timedelta(days=3)), member_id)
    assert booked.status_code == 201, booked.text


async def test_a_freed_place_goes_to_the_next_waiting_member_in_good_standing(studio: Any) -> None:
    booked, overdue, paid_up = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for member_id in (booked, overdue, paid_up):
        await studio.grant(member_id, credits=3)
    session_id = await studio.session(timedelta(days=1), capacity=1)
    assert (await studio.sign_up(session_id, booked)).status_code == 201
    assert (await studio.sign_up(session_id, overdue)).status_code == 202  # waitlisted first, then overdue
    assert (await studio.sign_up(session_id, paid_up)).status_code == 202
    await _standing(studio, overdue, "overdue", 1)

    signed_out = await studio.http.delete(f"/sessions/{session_id}/bookings/{booked}", headers=studio.member(booked))
    assert signed_out.status_code == 200, signed_out.text
    assert signed_out.json()["promoted_member_ids"] == [str(paid_up)]
    assert (await studio.account(overdue))["credits_left"] == 3
    places = await studio.http.get(f"/members/{overdue}/waitlist", headers=studio.member(overdue))
    assert places.json() == []  # passed over: no longer waiting for this session
