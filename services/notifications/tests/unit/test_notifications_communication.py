from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from gymloop_notifications.domain.audience import (
    AllMembers,
    AudienceMember,
    BookedToday,
    Channel,
    PlanEndsThisMonth,
    SingleMember,
    WithTag,
    select_recipients,
)
from gymloop_notifications.domain.errors import DomainError, InvalidFieldsError
from gymloop_notifications.domain.messages import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH, compose_message

pytestmark = pytest.mark.unit

TODAY = date(2026, 6, 13)
STUDIO = UUID(int=1)
OTHER_STUDIO = UUID(int=2)

ANNA = AudienceMember(
    studio_id=STUDIO,
    member_id=UUID(int=11),
    tags=frozenset({"Injury"}),
    booked_dates=frozenset({TODAY}),
    plan_ends_on=date(2026, 6, 30),
    email="anna@example.com",
)
BOB = AudienceMember(
    studio_id=STUDIO,
    member_id=UUID(int=12),
    booked_dates=frozenset({date(2026, 6, 14)}),
    plan_ends_on=date(2026, 7, 1),
    email="bob@example.com",
    opted_out=frozenset({Channel.EMAIL}),
)
CAROL = AudienceMember(studio_id=STUDIO, member_id=UUID(int=13), tags=frozenset({"injury "}), email=None)
ARCHIVED = AudienceMember(
    studio_id=STUDIO, member_id=UUID(int=14), archived=True, booked_dates=frozenset({TODAY}), email="x@example.com"
)
FOREIGN = AudienceMember(studio_id=OTHER_STUDIO, member_id=UUID(int=15), booked_dates=frozenset({TODAY}))
EVERYONE = [ANNA, BOB, CAROL, ARCHIVED, FOREIGN]


def _select(audience: object, channel: Channel = Channel.IN_APP) -> tuple[UUID, ...]:
    return select_recipients(audience, EVERYONE, studio_id=STUDIO, channel=channel, today=TODAY).recipients  # type: ignore[arg-type]


def test_all_members_means_active_members_of_this_studio_only() -> None:
    assert _select(AllMembers()) == (ANNA.member_id, BOB.member_id, CAROL.member_id)


def test_booked_today_uses_the_studio_local_day() -> None:
    assert _select(BookedToday()) == (ANNA.member_id,)


def test_tag_matches_case_and_surrounding_spaces_insensitively() -> None:
    assert _select(WithTag("injury")) == (ANNA.member_id, CAROL.member_id)


def test_empty_tag_is_refused() -> None:
    with pytest.raises(DomainError) as raised:
        WithTag("  ")
    assert raised.value.field == "tag"


def test_plan_ending_this_calendar_month() -> None:
    assert _select(PlanEndsThisMonth()) == (ANNA.member_id,)


def test_single_member() -> None:
    assert _select(SingleMember(BOB.member_id)) == (BOB.member_id,)


@pytest.mark.parametrize("member", [ARCHIVED, FOREIGN])
def test_single_archived_or_foreign_member_is_refused(member: AudienceMember) -> None:
    with pytest.raises(DomainError) as raised:
        _select(SingleMember(member.member_id))
    assert (raised.value.code, raised.value.field) == ("member_not_found", "member_id")


def test_email_respects_opt_outs_and_missing_addresses() -> None:
    selection = select_recipients(AllMembers(), EVERYONE, studio_id=STUDIO, channel=Channel.EMAIL, today=TODAY)
    assert selection.recipients == (ANNA.member_id,)
    assert selection.opted_out == (BOB.member_id,)
    assert selection.unreachable == (CAROL.member_id,)


def test_opt_out_is_per_channel() -> None:
    in_app_opt_out = AudienceMember(studio_id=STUDIO, member_id=UUID(int=20), opted_out=frozenset({Channel.IN_APP}))
    in_app = select_recipients(
        AllMembers(), [in_app_opt_out, BOB], studio_id=STUDIO, channel=Channel.IN_APP, today=TODAY
    )
    assert in_app.recipients == (BOB.member_id,)
    assert in_app.opted_out == (in_app_opt_out.member_id,)


def test_a_member_listed_twice_is_messaged_once() -> None:
    selection = select_recipients(AllMembers(), [ANNA, ANNA], studio_id=STUDIO, channel=Channel.IN_APP, today=TODAY)
    assert selection.recipients == (ANNA.member_id,)


def test_valid_message_is_trimmed() -> None:
    message = compose_message(Channel.EMAIL, "  Summer schedule  ", "Dear members,\r\n\r\nNew times!\n")
    assert message.subject == "Summer schedule"
    assert message.body == "Dear members,\n\nNew times!"


@pytest.mark.parametrize(
    ("subject", "body", "field", "code"),
    [
        ("", "hello", "subject", "subject_empty"),
        ("s" * (SUBJECT_MAX_LENGTH + 1), "hello", "subject", "subject_too_long"),
        ("Hi\nBcc: everyone@example.com", "hello", "subject", "subject_control_character"),
        ("Hi\u2028Bcc: everyone@example.com", "hello", "subject", "subject_control_character"),
        ("Hi\u2029there", "hello", "subject", "subject_control_character"),
        ("Hi\u0085there", "hello", "subject", "subject_control_character"),
        ("Hi", "   ", "body", "body_empty"),
        ("Hi", "b" * (BODY_MAX_LENGTH[Channel.IN_APP] + 1), "body", "body_too_long"),
        ("Hi", "bell\x07", "body", "body_control_character"),
    ],
)
def test_invalid_in_app_message_names_the_field(subject: str, body: str, field: str, code: str) -> None:
    with pytest.raises(InvalidFieldsError) as raised:
        compose_message(Channel.IN_APP, subject, body)
    assert raised.value.fields == (field,)
    assert raised.value.code == code


def test_email_allows_longer_bodies_than_in_app() -> None:
    body = "b" * (BODY_MAX_LENGTH[Channel.IN_APP] + 1)
    assert compose_message(Channel.EMAIL, "Newsletter", body).body == body


def test_every_message_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidFieldsError) as raised:
        compose_message(Channel.IN_APP, "", "")
    assert set(raised.value.fields) == {"subject", "body"}
