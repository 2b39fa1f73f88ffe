"""Billing's rules for subscriptions that arrive with an import row (seed 003)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from gymloop_billing.domain.collection import CollectionMethod
from gymloop_billing.domain.epc_text import validate_sepa_identifier
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.imported_subscriptions import (
    ImportRowKey,
    check_importable,
    imported_mandate,
    mandate_reference_for,
    needs_mandate,
    same_account,
    subscription_id_for,
)
from gymloop_billing.domain.mandates import SequenceType
from gymloop_billing.domain.plans import BillingPeriod, Plan, PlanKind

pytestmark = pytest.mark.unit

STUDIO = uuid.uuid4()


def plan(**overrides: object) -> Plan:
    fields: dict[str, object] = {
        "plan_id": uuid.uuid4(),
        "studio_id": STUDIO,
        "name": "10 sessions",
        "kind": PlanKind.SESSION_PACK,
        "price_cents": 9000,
        "currency": "EUR",
        "period": BillingPeriod.MONTHLY,
        "sessions": 10,
    }
    fields.update(overrides)
    return Plan(**fields)  # type: ignore[arg-type]


STAFF_ACCESS = {"free": True, "visible": False, "price_cents": 0, "kind": PlanKind.UNLIMITED, "sessions": None}


def test_ids_are_derived_from_the_import_ref_and_the_member() -> None:
    key = ImportRowKey(STUDIO, uuid.uuid4(), 7)
    assert subscription_id_for(key) == subscription_id_for(ImportRowKey(key.studio_id, key.import_job_id, 7))
    assert subscription_id_for(key) != subscription_id_for(ImportRowKey(key.studio_id, key.import_job_id, 8))
    member = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")
    reference = mandate_reference_for(member)
    assert reference == "GL-0F8FAD5BD9CB469FA16570867728950E"
    assert validate_sepa_identifier(reference, field="mandate_reference") == reference  # 35 chars, EPC set


def test_a_sepa_studio_imports_any_active_plan() -> None:
    check_importable(
        collection_method=CollectionMethod.SEPA_EXPORT,
        plan=plan(),
        plan_active=True,
        has_active_stripe_subscription=False,
    )
    assert needs_mandate(CollectionMethod.SEPA_EXPORT)
    assert not needs_mandate(CollectionMethod.STRIPE)


@pytest.mark.parametrize("method", [CollectionMethod.STRIPE, CollectionMethod.OFFLINE])
def test_other_collection_methods_refuse_paid_plans_with_a_clear_reason(method: CollectionMethod) -> None:
    with pytest.raises(DomainError) as refused:
        check_importable(collection_method=method, plan=plan(), plan_active=True, has_active_stripe_subscription=False)
    assert refused.value.code == "subscription_import_needs_sepa_export"
    assert refused.value.field == "subscription"
    assert method.value in refused.value.message
    assert "SEPA Direct Debit Export" in refused.value.message


def test_free_hidden_plans_are_the_exception_unless_the_member_pays_by_stripe() -> None:
    free_hidden = plan(**STAFF_ACCESS)
    check_importable(
        collection_method=CollectionMethod.STRIPE,
        plan=free_hidden,
        plan_active=True,
        has_active_stripe_subscription=False,
    )
    with pytest.raises(DomainError) as refused:
        check_importable(
            collection_method=CollectionMethod.STRIPE,
            plan=free_hidden,
            plan_active=True,
            has_active_stripe_subscription=True,
        )
    assert refused.value.code == "stripe_subscription_active"
    free_visible = plan(**{**STAFF_ACCESS, "visible": True})
    with pytest.raises(DomainError):
        check_importable(
            collection_method=CollectionMethod.STRIPE,
            plan=free_visible,
            plan_active=True,
            has_active_stripe_subscription=False,
        )


def test_an_inactive_plan_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        check_importable(
            collection_method=CollectionMethod.SEPA_EXPORT,
            plan=plan(),
            plan_active=False,
            has_active_stripe_subscription=False,
        )
    assert refused.value.code == "plan_inactive"


def test_the_imported_mandate_is_signed_on_the_import_day_and_collected_first_as_frst() -> None:
    member = uuid.uuid4()
    mandate = imported_mandate(
        member_id=member,
        iban="nl91 abna 0417 1643 00",
        account_holder="Zoë Müller",
        requested_on=date(2027, 3, 1),
        today=date(2027, 3, 2),
    )
    assert mandate.iban == "NL91ABNA0417164300"
    assert mandate.mandate_reference == mandate_reference_for(member)
    assert mandate.signed_on == date(2027, 3, 1)
    assert mandate.next_sequence_type is SequenceType.FIRST


def test_a_bad_iban_is_refused_with_the_domain_message() -> None:
    with pytest.raises(DomainError) as refused:
        imported_mandate(
            member_id=uuid.uuid4(),
            iban="NL91ABNA0417164301",
            account_holder="A. Holder",
            requested_on=date(2027, 3, 1),
            today=date(2027, 3, 1),
        )
    assert refused.value.code == "iban_checksum"
    assert "NL91ABNA0417164301" in refused.value.message


def test_same_account_ignores_spaces_and_case() -> None:
    assert same_account("NL91ABNA0417164300", "nl91 abna 0417 1643 00")
    assert not same_account("NL91ABNA0417164300", "DE89370400440532013000")
