from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from gymloop_billing.domain.creditor import Creditor
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.mandates import Mandate, SequenceType
from gymloop_billing.domain.payment_run import (
    FeeLine,
    MemberCharge,
    PaymentRun,
    ProblemSeverity,
    build_payment_run,
    end_to_end_id,
)
from gymloop_billing.domain.shop import Product, record_purchase

pytestmark = pytest.mark.unit

TODAY = date(2027, 3, 25)
COLLECTION_DATE = date(2027, 4, 1)
RUN_ID = UUID("01890000-0000-7000-8000-000000000001")
CREDITOR = Creditor.create(name="Gym Zoë", iban="NL91ABNA0417164300", creditor_id="NL57ZZZ999999999999")


def mandate(member_id: UUID, **overrides: Any) -> Mandate:
    fields: dict[str, Any] = {
        "mandate_reference": f"GL-{member_id.hex[:12]}",
        "member_id": member_id,
        "iban": "DE89370400440532013000",
        "account_holder": "Anna de Vries",
        "signed_on": date(2027, 1, 5),
    }
    fields.update(overrides)
    return Mandate(**fields)


def charge(name: str = "Anna de Vries", fees: tuple[int, ...] = (4500,), **mandate_overrides: Any) -> MemberCharge:
    member_id = uuid4()
    return MemberCharge(
        member_id=member_id,
        name=name,
        subscription_fees=tuple(FeeLine(description="Unlimited 2027-04", amount_cents=fee) for fee in fees),
        mandate=mandate(member_id, account_holder=name, **mandate_overrides),
    )


def run(*charges: MemberCharge, collection_date: date = COLLECTION_DATE) -> PaymentRun:
    return build_payment_run(
        run_id=RUN_ID,
        creditor=CREDITOR,
        collection_date=collection_date,
        today=TODAY,
        charges=charges,
        period_label="2027-04",
    )


def test_collectable_member_becomes_an_item() -> None:
    anna = charge()
    result = run(anna)
    (item,) = result.items
    assert item.member_id == anna.member_id
    assert item.amount_cents == 4500
    assert item.sequence_type is SequenceType.FIRST
    assert item.iban == "DE89370400440532013000"
    assert item.end_to_end_id == end_to_end_id(RUN_ID, anna.member_id)
    assert len(item.end_to_end_id) <= 35
    assert item.remittance_info == "Gym Zoe 2027-04: Unlimited 2027-04"
    assert result.problems == ()
    assert result.total_cents == 4500


def test_end_to_end_id_is_deterministic_and_distinct() -> None:
    member = uuid4()
    assert end_to_end_id(RUN_ID, member) == end_to_end_id(RUN_ID, member)
    assert end_to_end_id(RUN_ID, member) != end_to_end_id(uuid4(), member)
    assert end_to_end_id(RUN_ID, member) != end_to_end_id(RUN_ID, uuid4())


def test_recurring_mandate_is_rcur() -> None:
    member = charge()
    assert member.mandate is not None
    collected = MemberCharge(
        member_id=member.member_id,
        name=member.name,
        subscription_fees=member.subscription_fees,
        mandate=member.mandate.record_collection(),
    )
    assert run(collected).items[0].sequence_type is SequenceType.RECURRING


def test_shop_purchases_are_added_to_the_charge() -> None:
    base = charge()
    shake = Product(product_id=uuid4(), studio_id=uuid4(), name="Shake", price_cents=250)
    purchase = record_purchase(
        purchase_id=uuid4(), product=shake, member_id=base.member_id, quantity=2, purchased_on=date(2027, 3, 10)
    )
    with_shop = MemberCharge(
        member_id=base.member_id,
        name=base.name,
        subscription_fees=base.subscription_fees,
        shop_purchases=(purchase,),
        mandate=base.mandate,
    )
    (item,) = run(with_shop).items
    assert item.amount_cents == 5000
    assert item.remittance_info.endswith("shop 2 items")


@pytest.mark.parametrize(
    ("member", "code"),
    [
        (charge(iban="NL91ABNA0417164301"), "iban_checksum"),
        (charge(signed_on=None), "mandate_signature_missing"),
        (charge(signed_on=date(2027, 3, 26)), "mandate_signature_in_future"),
        (charge(fees=(0,)), "zero_amount"),
        (charge(fees=(1000, -3000)), "negative_amount"),
        (charge(name="Иван Петров"), "text_not_epc"),
        (charge(mandate_reference="GL 1"), "identifier_invalid_characters"),
    ],
)
def test_problem_members_are_left_out(member: MemberCharge, code: str) -> None:
    good = charge()
    result = run(good, member)
    assert [item.member_id for item in result.items] == [good.member_id]
    assert [(p.member_id, p.code) for p in result.errors] == [(member.member_id, code)]
    assert result.errors[0].reason


def test_member_without_mandate_is_a_problem() -> None:
    member = MemberCharge(member_id=uuid4(), name="Bob", subscription_fees=(FeeLine("Unlimited", 4500),))
    result = run(member)
    assert result.items == ()
    assert result.errors[0].code == "no_mandate"


def test_several_problems_of_one_member_are_all_reported() -> None:
    member = charge(iban="NL91ABNA0417164301", signed_on=None)
    codes = {p.code for p in run(member).errors}
    assert codes == {"iban_checksum", "mandate_signature_missing"}


def test_ampersand_in_name_is_replaced_and_warned() -> None:
    member = charge(name="Jansen & Zonen")
    result = run(member)
    (item,) = result.items
    assert item.debtor_name == "Jansen + Zonen"
    (warning,) = result.warnings
    assert warning.code == "name_ampersand_replaced"
    assert warning.severity is ProblemSeverity.WARNING
    assert result.errors == ()


def test_accented_name_is_transliterated_silently() -> None:
    (item,) = run(charge(name="Zoë Müller")).items
    assert item.debtor_name == "Zoe Muller"


def test_long_name_is_truncated_with_warning() -> None:
    result = run(charge(name="A" * 80))
    assert len(result.items[0].debtor_name) == 70
    assert [w.code for w in result.warnings] == ["name_truncated"]


def test_member_name_used_when_account_holder_is_blank() -> None:
    (item,) = run(_with_blank_holder()).items
    assert item.debtor_name == "Carla Jansen"


def _with_blank_holder() -> MemberCharge:
    member_id = uuid4()
    return MemberCharge(
        member_id=member_id,
        name="Carla Jansen",
        subscription_fees=(FeeLine("Unlimited", 4500),),
        mandate=mandate(member_id, account_holder=" "),
    )


def test_currency_mismatch_is_a_problem() -> None:
    member_id = uuid4()
    member = MemberCharge(
        member_id=member_id,
        name="Anna",
        subscription_fees=(FeeLine("Unlimited", 4500, currency="CHF"),),
        mandate=mandate(member_id),
    )
    assert run(member).errors[0].code == "currency_mismatch"


def test_duplicate_member_is_not_collected_twice() -> None:
    member = charge()
    result = run(member, member)
    assert result.items == ()
    assert [p.code for p in result.errors] == ["duplicate_member", "duplicate_member"]


def test_emoji_in_plan_name_falls_back_to_plain_remittance() -> None:
    member_id = uuid4()
    member = MemberCharge(
        member_id=member_id,
        name="Anna",
        subscription_fees=(FeeLine("Unlimited 💪", 4500),),
        mandate=mandate(member_id),
    )
    (item,) = run(member).items
    assert item.remittance_info == "Gym Zoe 2027-04"


def test_bad_collection_date_fails_the_whole_run() -> None:
    with pytest.raises(DomainError) as caught:
        run(charge(), collection_date=date(2027, 3, 29))  # Easter Monday, and before the earliest date
    assert caught.value.code == "collection_date_too_early"
    assert "the earliest collection date is 2027-03-30" in caught.value.message  # after Good Friday, Easter Monday
    with pytest.raises(DomainError) as caught:
        run(charge(), collection_date=date(2027, 3, 24))
    assert caught.value.code == "collection_date_in_past"


def test_items_grouped_by_sequence_type() -> None:
    first = charge()
    assert first.mandate is not None
    recurring_member = charge()
    assert recurring_member.mandate is not None
    recurring = MemberCharge(
        member_id=recurring_member.member_id,
        name=recurring_member.name,
        subscription_fees=recurring_member.subscription_fees,
        mandate=recurring_member.mandate.record_collection(),
    )
    grouped = run(first, recurring).items_by_sequence_type()
    assert [i.member_id for i in grouped[SequenceType.FIRST]] == [first.member_id]
    assert [i.member_id for i in grouped[SequenceType.RECURRING]] == [recurring.member_id]
