"""A SEPA payment run as a pure function: who is collected, for how much, and who cannot be.

Input: the studio as creditor, the requested collection date and one MemberCharge per member
(subscription fees and the period's shop purchases, plus the member's mandate or None).
Output: CollectionItems for the file, and MemberProblems for staff. A member with any error
problem is left out of the file entirely; warnings (e.g. '&' replaced by '+') do not block.
"""

from __future__ import annotations

import enum
import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from gymloop_billing.domain.collection_dates import DEFAULT_LEAD_BUSINESS_DAYS, validate_collection_date
from gymloop_billing.domain.creditor import Creditor
from gymloop_billing.domain.epc_text import NAME_MAX_LENGTH, REMITTANCE_MAX_LENGTH, EpcText, to_epc_text
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.mandates import Mandate, SequenceType, mandate_problems
from gymloop_billing.domain.shop import Purchase

# Highest amount one SEPA transaction may carry (999,999,999.99 EUR).
MAX_TRANSACTION_CENTS = 99_999_999_999

_ErrorSink = Callable[[DomainError], None]


class ProblemSeverity(enum.StrEnum):
    ERROR = "error"  # the member is not collected in this run
    WARNING = "warning"  # collected, but staff may want to fix the source data


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One subscription fee due in this run, e.g. ('Unlimited 2027-04', 4500, 'EUR')."""

    description: str
    amount_cents: int
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class MemberCharge:
    member_id: UUID
    name: str
    subscription_fees: tuple[FeeLine, ...] = ()
    shop_purchases: tuple[Purchase, ...] = ()
    mandate: Mandate | None = None
    mandate_ended_reason: str | None = None  # the mandate was ended by a bank return (then `mandate` is None)

    @property
    def amount_cents(self) -> int:
        fees = sum(fee.amount_cents for fee in self.subscription_fees)
        return fees + sum(purchase.total_cents for purchase in self.shop_purchases)


@dataclass(frozen=True, slots=True)
class MemberProblem:
    member_id: UUID
    code: str
    reason: str
    field: str | None = None
    severity: ProblemSeverity = ProblemSeverity.ERROR


@dataclass(frozen=True, slots=True)
class CollectionItem:
    member_id: UUID
    amount_cents: int
    currency: str
    sequence_type: SequenceType
    end_to_end_id: str
    remittance_info: str
    debtor_name: str
    iban: str
    mandate_reference: str
    mandate_signed_on: date


@dataclass(frozen=True, slots=True)
class PaymentRun:
    run_id: UUID
    creditor: Creditor
    collection_date: date
    items: tuple[CollectionItem, ...]
    problems: tuple[MemberProblem, ...]

    @property
    def total_cents(self) -> int:
        return sum(item.amount_cents for item in self.items)

    @property
    def errors(self) -> tuple[MemberProblem, ...]:
        return tuple(p for p in self.problems if p.severity is ProblemSeverity.ERROR)

    @property
    def warnings(self) -> tuple[MemberProblem, ...]:
        return tuple(p for p in self.problems if p.severity is ProblemSeverity.WARNING)

    def items_by_sequence_type(self) -> dict[SequenceType, tuple[CollectionItem, ...]]:
        grouped: dict[SequenceType, list[CollectionItem]] = {}
        for item in self.items:
            grouped.setdefault(item.sequence_type, []).append(item)
        return {sequence: tuple(items) for sequence, items in grouped.items()}


def end_to_end_id(run_id: UUID, member_id: UUID) -> str:
    """Deterministic, 34 characters, unique per (run, member): a rerun of the same run yields the
    same ids, so the bank can spot a file sent twice."""
    digest = hashlib.blake2b(f"{run_id}:{member_id}".encode(), digest_size=16).hexdigest()
    return f"GL{digest}"


def build_payment_run(
    *,
    run_id: UUID,
    creditor: Creditor,
    collection_date: date,
    today: date,
    charges: Iterable[MemberCharge],
    period_label: str,
    lead_business_days: int = DEFAULT_LEAD_BUSINESS_DAYS,
) -> PaymentRun:
    """Decide, member by member, what goes into the SEPA file. One pass, linear in members.

    Raises DomainError only for run-wide problems (a bad collection date); member problems are
    returned, never raised, so one bad record does not block a whole studio's collection.
    """
    validate_collection_date(collection_date, today, lead_business_days=lead_business_days)
    charges = list(charges)
    seen = Counter(charge.member_id for charge in charges)
    items: list[CollectionItem] = []
    problems: list[MemberProblem] = []
    for charge in charges:
        if seen[charge.member_id] > 1:
            problems.append(
                MemberProblem(
                    member_id=charge.member_id,
                    code="duplicate_member",
                    reason="the member appears more than once in this run: none of their charges "
                    "were collected; merge them into one charge",
                    field="member_id",
                )
            )
            continue
        item, member_problems = _collect_member(run_id, creditor, today, charge, period_label)
        problems.extend(member_problems)
        if item is not None:
            items.append(item)
    return PaymentRun(
        run_id=run_id,
        creditor=creditor,
        collection_date=collection_date,
        items=tuple(items),
        problems=tuple(problems),
    )


def _collect_member(
    run_id: UUID, creditor: Creditor, today: date, charge: MemberCharge, period_label: str
) -> tuple[CollectionItem | None, list[MemberProblem]]:
    problems: list[MemberProblem] = []

    def error(exc: DomainError) -> None:
        problems.append(MemberProblem(member_id=charge.member_id, code=exc.code, reason=exc.message, field=exc.field))

    def warning(code: str, reason: str, field: str) -> None:
        problems.append(
            MemberProblem(
                member_id=charge.member_id,
                code=code,
                reason=reason,
                field=field,
                severity=ProblemSeverity.WARNING,
            )
        )

    amount = _checked_amount(charge, creditor.currency, error)
    mandate = charge.mandate
    if mandate is None and charge.mandate_ended_reason is not None:
        error(
            DomainError(
                code="mandate_ended",
                field="mandate",
                message=f"the bank ended the member's mandate ({charge.mandate_ended_reason}): collect a new signed "
                "mandate",
            )
        )
        return None, problems
    if mandate is None:
        error(
            DomainError(
                code="no_mandate",
                field="mandate",
                message="the member has no SEPA mandate: collect a signed mandate with their IBAN",
            )
        )
        return None, problems
    for problem in mandate_problems(mandate, today):
        if problem.field != "account_holder":  # the debtor name is checked below, once
            error(problem)
    debtor_name = None
    raw_name = mandate.account_holder if mandate.account_holder.strip() else charge.name
    try:
        debtor_name = to_epc_text(raw_name, field="name", max_length=NAME_MAX_LENGTH, truncate=True)
    except DomainError as exc:
        error(exc)
    if any(p.severity is ProblemSeverity.ERROR for p in problems) or debtor_name is None or amount is None:
        return None, problems
    if debtor_name.ampersand_replaced:
        warning(
            "name_ampersand_replaced",
            f"'&' in {raw_name!r} is not allowed in a SEPA file; sent as {debtor_name.text!r}",
            "name",
        )
    if debtor_name.truncated:
        warning("name_truncated", f"the name was cut to {NAME_MAX_LENGTH} characters", "name")
    remittance = _remittance_text(creditor, charge, period_label)
    if remittance.truncated:
        warning("remittance_truncated", f"the remittance text was cut to {REMITTANCE_MAX_LENGTH}", "remittance")
    assert mandate.signed_on is not None  # mandate_problems reported a missing date above
    item = CollectionItem(
        member_id=charge.member_id,
        amount_cents=amount,
        currency=creditor.currency,
        sequence_type=mandate.next_sequence_type,
        end_to_end_id=end_to_end_id(run_id, charge.member_id),
        remittance_info=remittance.text,
        debtor_name=debtor_name.text,
        iban="".join(mandate.iban.split()).upper(),  # valid: mandate_problems checked it
        mandate_reference=mandate.mandate_reference,
        mandate_signed_on=mandate.signed_on,
    )
    return item, problems


def _checked_amount(charge: MemberCharge, currency: str, error: _ErrorSink) -> int | None:
    currencies = {fee.currency for fee in charge.subscription_fees}
    currencies |= {purchase.currency for purchase in charge.shop_purchases}
    foreign = sorted(currencies - {currency})
    if foreign:
        error(
            DomainError(
                code="currency_mismatch",
                field="currency",
                message=f"charges in {', '.join(foreign)} cannot be collected in a {currency} SEPA run",
            )
        )
        return None
    amount = charge.amount_cents
    if amount == 0:
        error(DomainError(code="zero_amount", field="amount", message="nothing to collect for this period"))
        return None
    if amount < 0:
        error(
            DomainError(
                code="negative_amount",
                field="amount",
                message=f"the member is owed {-amount} cents: refund it by transfer, a debit cannot be negative",
            )
        )
        return None
    if amount > MAX_TRANSACTION_CENTS:
        error(
            DomainError(
                code="amount_too_large",
                field="amount",
                message=f"{amount} cents is above the SEPA maximum per transaction: check the charges",
            )
        )
        return None
    return amount


def _remittance_text(creditor: Creditor, charge: MemberCharge, period_label: str) -> EpcText:
    parts = [fee.description for fee in charge.subscription_fees]
    if charge.shop_purchases:
        count = sum(purchase.quantity for purchase in charge.shop_purchases)
        parts.append(f"shop {count} item{'s' if count != 1 else ''}")
    text = f"{creditor.name} {period_label}: {', '.join(parts)}"
    try:
        return _remittance_epc_text(text)
    except DomainError:
        # a plan name with e.g. an emoji must not block the collection; fall back to a plain text
        return to_epc_text(
            f"{creditor.name} {period_label}", field="remittance", max_length=REMITTANCE_MAX_LENGTH, truncate=True
        )


@functools.lru_cache(maxsize=1024)
def _remittance_epc_text(text: str) -> EpcText:
    """Most members of a run share their remittance text (same plan, same period): convert each text once."""
    return to_epc_text(text, field="remittance", max_length=REMITTANCE_MAX_LENGTH, truncate=True)
