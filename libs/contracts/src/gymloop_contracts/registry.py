"""The catalogue: (event_type, version) -> payload model, and the topic plan."""

from __future__ import annotations

from collections.abc import Iterable

from gymloop_contracts.base import EventPayload, dlq_topic, topic_for
from gymloop_contracts.events import billing, bookings, importer, members, notifications

CATALOGUE: tuple[type[EventPayload], ...] = (
    members.MemberRegistered,
    members.MemberUpdated,
    members.ResponsibleEmployeeAssigned,
    members.MemberArchived,
    members.MemberUnarchived,
    members.MemberImportRejected,
    members.StudioUpdated,
    billing.PlanPublished,
    billing.SubscriptionActivated,
    billing.SubscriptionRenewed,
    billing.SubscriptionPaused,
    billing.SubscriptionResumed,
    billing.SubscriptionEnded,
    billing.SubscriptionCancelled,
    billing.PaymentSucceeded,
    billing.PaymentFailed,
    billing.MemberPaymentStateChanged,
    billing.PurchaseRecorded,
    billing.SubscriptionImportRejected,
    billing.BillingSettingsChanged,
    bookings.SessionScheduled,
    bookings.SessionCancelled,
    bookings.SessionMoved,
    bookings.SessionBooked,
    bookings.BookingCancelled,
    bookings.WaitlistPromoted,
    bookings.AttendanceRecorded,
    bookings.PackExpiringSoon,
    bookings.BenchmarkResultRecorded,
    bookings.PersonalBestSet,
    notifications.NotificationRaised,
    notifications.MemberInactive,
    notifications.AttendanceTrendDetected,
    importer.MemberImportRequested,
    importer.ImportCompleted,
)

# Every deployable (one image, Deployment and compose service each): the five with a database and events, the
# gateway and the web app (neither holds anything durable).
SERVICES = ("members", "billing", "bookings", "notifications", "importer", "gateway", "web")

_BY_KEY: dict[tuple[str, int], type[EventPayload]] = {}
for _model in CATALOGUE:
    _key = (_model.event_type, _model.version)
    if _key in _BY_KEY:
        raise RuntimeError(f"event {_key} registered twice")
    _BY_KEY[_key] = _model


class UnknownEventType(LookupError):
    pass


def payload_model(event_type: str, version: int = 1) -> type[EventPayload]:
    try:
        return _BY_KEY[(event_type, version)]
    except KeyError:
        raise UnknownEventType(f"no contract for event {event_type!r} version {version}") from None


def owned_by(service: str) -> list[type[EventPayload]]:
    return [model for model in CATALOGUE if model.owner == service]


def topics(models: Iterable[type[EventPayload]] = CATALOGUE, *, with_dlq: bool = True) -> list[str]:
    names: list[str] = []
    for model in models:
        topic = topic_for(model.event_type, model.version)
        names.append(topic)
        if with_dlq:
            names.append(dlq_topic(topic))
    return names
