"""A row of a running import: answers of members and billing move it to done or failed, first answer wins."""

from __future__ import annotations

import pytest
from gymloop_importer.domain.row_progress import MemberOutcome, RefusedBy, RowProgress, RowRejection, RowStatus

pytestmark = pytest.mark.unit

BY_MEMBERS = RowRejection(RefusedBy.MEMBERS, "email_taken", "email", "use another e-mail address")
BY_BILLING = RowRejection(RefusedBy.BILLING, "plan_inactive", "plan_id", "pick an active plan")
OTHER_BY_BILLING = RowRejection(RefusedBy.BILLING, "iban_blocked", "iban", "use another account")


def test_a_row_without_subscription_is_done_when_members_confirms() -> None:
    row = RowProgress(wants_subscription=False)
    assert row.status is RowStatus.PENDING

    done = row.member_confirmed(MemberOutcome.CREATED)

    assert done.status is RowStatus.DONE
    assert done.rejection is None


def test_a_row_with_subscription_waits_for_both_answers_in_either_order() -> None:
    row = RowProgress(wants_subscription=True)

    assert row.member_confirmed(MemberOutcome.UPDATED).status is RowStatus.PENDING
    assert row.subscription_confirmed().status is RowStatus.PENDING
    assert row.subscription_confirmed().member_confirmed(MemberOutcome.UPDATED).status is RowStatus.DONE
    assert row.member_confirmed(MemberOutcome.UPDATED).subscription_confirmed().status is RowStatus.DONE


def test_a_members_refusal_fails_the_row_at_once() -> None:
    failed = RowProgress(wants_subscription=True).rejected(BY_MEMBERS)

    assert failed.status is RowStatus.FAILED
    assert failed.rejection == BY_MEMBERS
    # Nothing billing says afterwards changes it.
    assert failed.subscription_confirmed() == failed
    assert failed.rejected(BY_BILLING) == failed
    assert failed.member_confirmed(MemberOutcome.CREATED) == failed


def test_member_created_then_subscription_refused_fails_the_row_and_keeps_both_facts() -> None:
    created = RowProgress(wants_subscription=True).member_confirmed(MemberOutcome.CREATED)

    failed = created.rejected(BY_BILLING)

    assert failed.status is RowStatus.FAILED
    assert failed.member_outcome is MemberOutcome.CREATED
    assert failed.rejection == BY_BILLING


def test_a_billing_refusal_waits_for_members_so_the_person_is_accounted_for() -> None:
    refused = RowProgress(wants_subscription=True).rejected(BY_BILLING)
    assert refused.status is RowStatus.PENDING

    answered = refused.member_confirmed(MemberOutcome.UPDATED)

    assert answered.status is RowStatus.FAILED
    assert (answered.member_outcome, answered.rejection) == (MemberOutcome.UPDATED, BY_BILLING)


def test_members_refusing_after_billing_refused_makes_members_the_reason() -> None:
    both = RowProgress(wants_subscription=True).rejected(BY_BILLING).rejected(BY_MEMBERS)

    assert both.status is RowStatus.FAILED
    assert both.rejection == BY_MEMBERS


def test_a_repeated_or_late_refusal_changes_nothing() -> None:
    failed = RowProgress(wants_subscription=True).member_confirmed(MemberOutcome.CREATED).rejected(BY_BILLING)
    assert failed.rejected(OTHER_BY_BILLING) == failed
    assert failed.rejected(BY_MEMBERS) == failed
    assert failed.subscription_confirmed() == failed

    done = RowProgress(wants_subscription=True).member_confirmed(MemberOutcome.CREATED).subscription_confirmed()
    assert done.rejected(BY_BILLING) == done
    assert done.rejected(BY_MEMBERS) == done


def test_refusals_that_do_not_fit_the_row_are_ignored() -> None:
    no_subscription = RowProgress(wants_subscription=False)
    assert no_subscription.rejected(BY_BILLING) == no_subscription
    assert no_subscription.subscription_confirmed() == no_subscription

    activated = RowProgress(wants_subscription=True).subscription_confirmed()
    assert activated.rejected(BY_BILLING) == activated  # billing already answered yes

    confirmed = RowProgress(wants_subscription=True).member_confirmed(MemberOutcome.CREATED)
    assert confirmed.rejected(BY_MEMBERS) == confirmed  # members already answered yes


def test_a_registration_after_an_update_means_the_import_created_the_person() -> None:
    row = RowProgress(wants_subscription=False).member_confirmed(MemberOutcome.UPDATED)

    assert row.member_confirmed(MemberOutcome.CREATED).member_outcome is MemberOutcome.CREATED
    assert row.member_confirmed(MemberOutcome.CREATED).member_confirmed(MemberOutcome.UPDATED).member_outcome is (
        MemberOutcome.CREATED
    )
