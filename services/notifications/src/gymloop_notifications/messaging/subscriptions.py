"""Events this service consumes: members (read model, responsible employee, archive, the studio's time zone),
bookings (attendance, sign-ups, moved and cancelled sessions, waitlist places, packs about to expire) and billing
(plan end dates, failed payments, cancellation receipts)."""

from __future__ import annotations

from gymloop_contracts import Envelope
from gymloop_contracts.events.billing import (
    PaymentFailed,
    SubscriptionActivated,
    SubscriptionCancelled,
    SubscriptionEnded,
    SubscriptionPaused,
    SubscriptionRenewed,
    SubscriptionResumed,
)
from gymloop_contracts.events.bookings import (
    AttendanceRecorded,
    BookingCancelled,
    PackExpiringSoon,
    PersonalBestSet,
    SessionBooked,
    SessionCancelled,
    SessionMoved,
    WaitlistPromoted,
)
from gymloop_contracts.events.members import (
    MemberArchived,
    MemberRegistered,
    MemberUnarchived,
    MemberUpdated,
    ResponsibleEmployeeAssigned,
    StudioUpdated,
)
from gymloop_kit import studio_clock
from gymloop_kit.messaging.subscriptions import Subscriptions
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_notifications.db.models import Booking, Subscription
from gymloop_notifications.service.member_news import (
    congratulate_on_personal_best,
    send_cancellation_receipt,
    tell_pack_expiring,
    tell_payment_failed,
    tell_promoted_member,
)
from gymloop_notifications.service.members import (
    MemberProfile,
    set_archived,
    set_responsible_employee,
    upsert_member,
)
from gymloop_notifications.service.refresh import evaluate_early_attendance, record_attendance
from gymloop_notifications.service.session_changes import tell_booked_members, tell_refunded_members
from gymloop_notifications.service.studios import ensure_studio, follow_studio_zone

CONSUMER = "notifications"
subscriptions = Subscriptions(consumer=CONSUMER)


@subscriptions.on(MemberRegistered, MemberUpdated, newest_only=True)
async def on_member_profile(session: AsyncSession, event: MemberRegistered | MemberUpdated, envelope: Envelope) -> None:
    await ensure_studio(session, envelope.studio_id)
    await upsert_member(
        session,
        envelope.studio_id,
        MemberProfile(
            member_id=event.member_id,
            display_name=f"{event.first_name} {event.last_name}".strip(),
            email=event.email,
            birth_date=event.birth_date,
            start_date=event.start_date,
            is_member=event.is_member,
            archived=event.status == "archived",
            responsible_employee_id=event.responsible_employee_id,
            tags=list(event.tags),
        ),
    )
    await evaluate_early_attendance(session, envelope.studio_id, event.member_id)


@subscriptions.on(StudioUpdated, newest_only=True)
async def on_studio_updated(session: AsyncSession, event: StudioUpdated, envelope: Envelope) -> None:
    """Members owns the studio's time zone: the kit's studio clock follows it (and says what an unknown zone
    does); local days kept here follow the zone."""
    followed = await studio_clock.follow_studio_updated(session, event, envelope)
    await follow_studio_zone(session, envelope.studio_id, followed)


@subscriptions.on(ResponsibleEmployeeAssigned, newest_only=True)
async def on_responsible_assigned(
    session: AsyncSession, event: ResponsibleEmployeeAssigned, envelope: Envelope
) -> None:
    await set_responsible_employee(
        session, envelope.studio_id, event.member_id, event.employee_id, event.previous_employee_id
    )


@subscriptions.on(MemberArchived, newest_only=True)
async def on_member_archived(session: AsyncSession, event: MemberArchived, envelope: Envelope) -> None:
    await set_archived(session, envelope.studio_id, event.member_id, True)


@subscriptions.on(MemberUnarchived, newest_only=True)
async def on_member_unarchived(session: AsyncSession, event: MemberUnarchived, envelope: Envelope) -> None:
    await set_archived(session, envelope.studio_id, event.member_id, False)


@subscriptions.on(AttendanceRecorded, newest_only=True)
async def on_attendance_recorded(session: AsyncSession, event: AttendanceRecorded, envelope: Envelope) -> None:
    # The aggregate is the booking: a later correction (attended -> no_show) wins, an older one is dropped.
    await record_attendance(
        session,
        envelope.studio_id,
        booking_id=event.booking_id,
        member_id=event.member_id,
        attended_at=event.checked_in_at or event.starts_at,
        attended=event.status == "attended",
    )


async def _booking(session: AsyncSession, envelope: Envelope, event: SessionBooked | WaitlistPromoted) -> None:
    config = await ensure_studio(session, envelope.studio_id)
    values = {
        "member_id": event.member_id,
        "starts_on": event.starts_at.astimezone(config.zone).date(),
        "cancelled": False,
    }
    await session.execute(
        pg_insert(Booking)
        .values(studio_id=envelope.studio_id, booking_id=event.booking_id, **values)
        .on_conflict_do_update(index_elements=[Booking.studio_id, Booking.booking_id], set_=values)
    )


@subscriptions.on(SessionBooked, WaitlistPromoted, newest_only=True)
async def on_booked(session: AsyncSession, event: SessionBooked | WaitlistPromoted, envelope: Envelope) -> None:
    await _booking(session, envelope, event)


@subscriptions.on(WaitlistPromoted)
async def on_waitlist_promoted_tell(session: AsyncSession, event: WaitlistPromoted, envelope: Envelope) -> None:
    """The promoted member gets one message (the inbox keeps a redelivery from repeating it)."""
    await tell_promoted_member(session, event, envelope)


@subscriptions.on(PersonalBestSet)
async def on_personal_best(session: AsyncSession, event: PersonalBestSet, envelope: Envelope) -> None:
    """One congratulation per new personal best, when the studio turned them on (the inbox keeps it one)."""
    await congratulate_on_personal_best(session, event, envelope)


@subscriptions.on(PaymentFailed)
async def on_payment_failed(session: AsyncSession, event: PaymentFailed, envelope: Envelope) -> None:
    await tell_payment_failed(session, event, envelope)


@subscriptions.on(PackExpiringSoon)
async def on_pack_expiring(session: AsyncSession, event: PackExpiringSoon, envelope: Envelope) -> None:
    await tell_pack_expiring(session, event, envelope)


@subscriptions.on(SubscriptionCancelled)
async def on_subscription_cancelled(session: AsyncSession, event: SubscriptionCancelled, envelope: Envelope) -> None:
    """The cancellation receipt, by e-mail and in the app."""
    await send_cancellation_receipt(session, event, envelope)


@subscriptions.on(BookingCancelled, newest_only=True)
async def on_booking_cancelled(session: AsyncSession, event: BookingCancelled, envelope: Envelope) -> None:
    await session.execute(
        update(Booking)
        .where(Booking.studio_id == envelope.studio_id, Booking.booking_id == event.booking_id)
        .values(cancelled=True)
    )


@subscriptions.on(SessionMoved)
async def on_session_moved(session: AsyncSession, event: SessionMoved, envelope: Envelope) -> None:
    """Each member booked on the moved session gets one message (the inbox keeps a redelivery from repeating it)."""
    await tell_booked_members(session, event, envelope)


@subscriptions.on(SessionCancelled)
async def on_session_cancelled(session: AsyncSession, event: SessionCancelled, envelope: Envelope) -> None:
    """Each member refunded for the cancelled session gets one message."""
    await tell_refunded_members(session, event, envelope)


async def _subscription_end(
    session: AsyncSession, envelope: Envelope, subscription_id: object, member_id: object, ends_on: object
) -> None:
    values = {"member_id": member_id, "ends_on": ends_on}
    await session.execute(
        pg_insert(Subscription)
        .values(studio_id=envelope.studio_id, subscription_id=subscription_id, **values)
        .on_conflict_do_update(index_elements=[Subscription.studio_id, Subscription.subscription_id], set_=values)
    )


@subscriptions.on(SubscriptionActivated, SubscriptionRenewed, SubscriptionPaused, SubscriptionResumed, newest_only=True)
async def on_subscription_valid_until(
    session: AsyncSession,
    event: SubscriptionActivated | SubscriptionRenewed | SubscriptionPaused | SubscriptionResumed,
    envelope: Envelope,
) -> None:
    await _subscription_end(session, envelope, event.subscription_id, event.member_id, event.valid_until)


@subscriptions.on(SubscriptionEnded, newest_only=True)
async def on_subscription_ended(session: AsyncSession, event: SubscriptionEnded, envelope: Envelope) -> None:
    await _subscription_end(session, envelope, event.subscription_id, event.member_id, event.ended_on)
