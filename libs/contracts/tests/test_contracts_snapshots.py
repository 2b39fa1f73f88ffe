"""The JSON Schemas of all events are snapshot-tested: an incompatible change must fail here."""

import json
import uuid
from datetime import date
from typing import ClassVar

import pytest
from gymloop_contracts import CATALOGUE, Envelope, EventPayload, payload_model, topics, wrap
from gymloop_contracts.compatibility import breaking_changes
from gymloop_contracts.events.members import MemberRegistered
from gymloop_contracts.schemas import SNAPSHOT_DIR, current_schemas, event_schema

pytestmark = pytest.mark.unit

REQUIRED_CATALOGUE = {
    "MemberRegistered", "MemberUpdated", "ResponsibleEmployeeAssigned", "MemberArchived", "PlanPublished",
    "SubscriptionActivated", "SubscriptionRenewed", "SubscriptionPaused", "SubscriptionResumed",
    "SubscriptionEnded", "PaymentSucceeded", "PaymentFailed", "PurchaseRecorded", "SessionScheduled",
    "SessionCancelled", "SessionBooked", "BookingCancelled", "WaitlistPromoted", "AttendanceRecorded",
    "NotificationRaised", "MemberInactive", "AttendanceTrendDetected", "MemberImportRequested", "ImportCompleted",
}  # fmt: skip


def test_catalogue_has_every_event_of_the_design():
    assert {model.event_type for model in CATALOGUE} >= REQUIRED_CATALOGUE


@pytest.mark.parametrize("name", sorted(current_schemas()))
def test_schema_matches_its_snapshot_and_stays_compatible(name):
    path = SNAPSHOT_DIR / name
    assert path.exists(), f"no snapshot for {name}: run `make schemas`"
    snapshot = json.loads(path.read_text())
    current = current_schemas()[name]
    assert breaking_changes(snapshot, current) == [], f"{name} changed incompatibly: publish a new version"
    assert current == snapshot, f"{name} changed compatibly: run `make schemas` to update the snapshot"


def _variant(**fields: object) -> type[EventPayload]:
    """A modified copy of MemberRegistered, as if someone had edited the contract."""
    namespace: dict[str, object] = {"__annotations__": {}, "event_type": "MemberRegistered"}
    annotations: dict[str, object] = {"event_type": ClassVar[str]}
    for name, field in MemberRegistered.model_fields.items():
        annotations[name] = field.annotation
        namespace[name] = field
    for name, spec in fields.items():
        if spec is None:
            annotations.pop(name)
            namespace.pop(name)
        else:
            annotations[name], default = spec  # type: ignore[misc]
            namespace[name] = default
    namespace["__annotations__"] = annotations
    return type("MemberRegisteredEdited", (EventPayload,), {
        **namespace, "owner": "members", "aggregate_type": "member", "aggregate_field": "member_id",
        "key_field": "member_id",
    })  # fmt: skip


def _snapshot_of_member_registered() -> dict:
    return json.loads((SNAPSHOT_DIR / "MemberRegistered.v1.json").read_text())


def test_removing_a_field_fails_the_snapshot_check():
    edited = event_schema(_variant(phone=None))
    assert breaking_changes(_snapshot_of_member_registered(), edited) == ["field 'phone' was removed"]


def test_retyping_a_field_fails_the_snapshot_check():
    edited = event_schema(_variant(birth_date=(str | None, None)))
    assert breaking_changes(_snapshot_of_member_registered(), edited) == ["field 'birth_date' changed type"]


def test_retyping_a_nested_field_fails_the_snapshot_check():
    edited = event_schema(_variant(tags=(list[int], [])))
    assert breaking_changes(_snapshot_of_member_registered(), edited) == ["field 'tags' changed type"]


def test_making_a_field_required_fails_the_snapshot_check():
    edited = event_schema(_variant(phone=(str, ...)))
    assert "field 'phone' became required" in breaking_changes(_snapshot_of_member_registered(), edited)


def test_adding_an_optional_field_is_compatible():
    edited = event_schema(_variant(nickname=(str | None, None)))
    assert breaking_changes(_snapshot_of_member_registered(), edited) == []


def test_envelope_round_trip_restores_the_typed_payload():
    studio = uuid.uuid4()
    payload = MemberRegistered(
        member_id=uuid.uuid4(), account_id=uuid.uuid4(), first_name="Peter", last_name="Jansen",
        email="peter@example.com", start_date=date(2026, 1, 5), tags=["beginner"],
    )  # fmt: skip
    envelope = wrap(payload, studio_id=studio, producer="members", correlation_id="c-1", sequence=1)
    wire = envelope.model_dump_json()
    back = Envelope.model_validate_json(wire)
    assert back == envelope
    assert back.parse_payload() == payload
    assert back.topic == "MemberRegistered"
    assert back.partition_key == str(payload.member_id)
    assert back.event_id.version == 7


def test_consumers_ignore_unknown_fields_added_later():
    data = {"member_id": str(uuid.uuid4()), "reason": None, "added_in_a_later_release": 1}
    assert payload_model("MemberArchived").model_validate(data).reason is None


def test_topic_plan_has_a_dlq_per_topic():
    names = topics()
    assert "SessionBooked" in names
    assert "SessionBooked.DLQ" in names
    assert len(names) == 2 * len(CATALOGUE)
