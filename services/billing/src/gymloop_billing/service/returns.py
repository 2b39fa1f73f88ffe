"""Bank return files applied to a payment run, and the studio's return policy.

Each entry is matched to the run's payment by its end-to-end id, then checked against the payment's mandate and
amount; an entry that does not match all three is reported and changes nothing (never guessed). A matched return
does what the studio's policy says for its reason code. A file is kept by its SHA-256: the same file again answers
the first report and changes nothing; an entry of a payment an earlier file already returned changes nothing either.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from gymloop_kit.errors import InvalidInput
from sqlalchemy import BindParameter, Text, any_, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import (
    BankReturnFileRow,
    ChargeRow,
    MandateRow,
    PaymentRow,
    PaymentRunRow,
    StudioBillingRow,
)
from gymloop_billing.domain.bank_returns import (
    EntryOutcome,
    ReturnAction,
    ReturnEntry,
    action_for,
    parse_return_file,
    validate_return_actions,
)
from gymloop_billing.service import charges, payments, studio

SETTLED_BY_THE_BANK = ("returned", "failed", "refunded")  # an earlier file already said so


@dataclass(frozen=True)
class ReturnPolicyInput:
    actions: dict[str, str]
    max_recollections: int
    return_fee_cents: int


async def put_return_policy(session: AsyncSession, studio_id: uuid.UUID, data: ReturnPolicyInput) -> StudioBillingRow:
    """Store the studio's actions per reason code (over the defaults), re-collections and return fee."""
    actions = validate_return_actions(data.actions)
    row = (
        await session.execute(select(StudioBillingRow).where(StudioBillingRow.studio_id == studio_id).with_for_update())
    ).scalar_one_or_none()
    if row is None:
        raise InvalidInput(
            "set the studio's billing settings first (PUT /billing-settings)", code="billing_not_configured"
        )
    row.return_actions = {code: action.value for code, action in actions.items()}
    row.max_recollections = data.max_recollections
    row.return_fee_cents = data.return_fee_cents
    await session.flush()
    return row


@dataclass(frozen=True)
class AppliedFile:
    report: dict[str, Any]
    first_time: bool  # False: the same file was applied before and this upload changed nothing


async def apply_return_file(session: AsyncSession, run: PaymentRunRow, content: bytes, today: date) -> AppliedFile:
    """Apply a camt.054 or pain.002 file to the run's payments and report every entry's outcome."""
    studio_id = run.studio_id
    digest = hashlib.sha256(content).hexdigest()
    kind, entries = parse_return_file(content)  # a bad file is refused before anything is kept
    file_id = uuid.uuid4()
    kept = (
        await session.execute(
            pg_insert(BankReturnFileRow)
            .values(id=file_id, studio_id=studio_id, payment_run_id=run.id, kind=kind.value, sha256=digest, report={})
            .on_conflict_do_nothing(index_elements=[BankReturnFileRow.studio_id, BankReturnFileRow.sha256])
            .returning(BankReturnFileRow.id)
        )
    ).first()
    if kept is None:  # applied before (a concurrent twin waited on the key until that one committed)
        earlier = await session.scalar(
            select(BankReturnFileRow).where(
                BankReturnFileRow.studio_id == studio_id, BankReturnFileRow.sha256 == digest
            )
        )
        assert earlier is not None
        return AppliedFile(report=earlier.report, first_time=False)
    settings = await studio.get_settings(session, studio_id)
    applier = _Applier(session, settings, today)
    outcomes = [await applier.apply(entry, match) for entry, match in await _matched(session, run.id, entries)]
    report = {
        "file_id": str(file_id),
        "kind": kind.value,
        "payment_run_id": str(run.id),
        "sha256": digest,
        "entries": len(entries),
        "applied": sum(1 for outcome in outcomes if outcome["result"] == "applied"),
        "unmatched": [outcome for outcome in outcomes if outcome["result"] == "unmatched"],
        "outcomes": outcomes,
    }
    await session.execute(update(BankReturnFileRow).where(BankReturnFileRow.id == file_id).values(report=report))
    return AppliedFile(report=report, first_time=True)


async def _matched(
    session: AsyncSession, run_id: uuid.UUID, entries: Sequence[ReturnEntry]
) -> list[tuple[ReturnEntry, PaymentRow | str]]:
    """Each entry with the run's payment it names, or why it matches none."""
    ids = [entry.end_to_end_id for entry in entries if entry.end_to_end_id]
    found = {
        payment.end_to_end_id: payment
        for payment in await session.scalars(
            select(PaymentRow)
            .where(PaymentRow.payment_run_id == run_id, PaymentRow.end_to_end_id == any_(_texts(ids)))
            .order_by(PaymentRow.id)
            .with_for_update()
        )
    }
    seen: set[str] = set()
    matched: list[tuple[ReturnEntry, PaymentRow | str]] = []
    for entry in entries:
        payment = found.get(entry.end_to_end_id or "")
        if entry.end_to_end_id is None:
            matched.append((entry, "the entry has no end-to-end id"))
        elif payment is None:
            matched.append((entry, f"no payment of this run has end-to-end id {entry.end_to_end_id}"))
        elif entry.end_to_end_id in seen:
            matched.append((entry, "the file names this end-to-end id twice: only the first entry was applied"))
        elif entry.mandate_reference is not None and entry.mandate_reference != payment.mandate_reference:
            matched.append(
                (entry, f"mandate {entry.mandate_reference} is not the payment's mandate {payment.mandate_reference}")
            )
        elif entry.amount_cents is not None and entry.amount_cents != payment.amount_cents:
            matched.append((entry, f"amount {entry.amount_cents} cents is not the payment's {payment.amount_cents}"))
        else:
            matched.append((entry, payment))
        if entry.end_to_end_id is not None:
            seen.add(entry.end_to_end_id)
    return matched


def _texts(values: Sequence[str]) -> BindParameter[Sequence[str]]:
    """One array parameter (`= ANY(:ids)`) whatever the file's length."""
    return bindparam(None, list(values), type_=ARRAY(Text()))


class _Applier:
    """Applies matched entries one by one, with the studio's policy."""

    def __init__(self, session: AsyncSession, settings: StudioBillingRow, today: date) -> None:
        self.session, self.settings, self.today = session, settings, today

    async def apply(self, entry: ReturnEntry, match: PaymentRow | str) -> dict[str, Any]:
        outcome: dict[str, Any] = {
            "position": entry.position,
            "end_to_end_id": entry.end_to_end_id,
            "mandate_reference": entry.mandate_reference,
            "amount_cents": entry.amount_cents,
            "reason_code": entry.reason_code,
        }
        if isinstance(match, str):
            return {**outcome, "result": "unmatched", "detail": match}
        payment = match
        outcome |= {"payment_id": str(payment.id), "member_id": str(payment.member_id)}
        if entry.outcome is EntryOutcome.COLLECTED:
            if payment.status != "pending":
                return {**outcome, "result": "unchanged", "detail": f"the payment is already {payment.status}"}
            await payments.record_success(self.session, payment, reason="booked by the bank (camt.054)")
            return {**outcome, "result": "applied", "action": "collected"}
        if payment.status in SETTLED_BY_THE_BANK:
            return {**outcome, "result": "unchanged", "detail": f"the payment is already {payment.status}"}
        action = action_for(entry.reason_code, self.settings.return_actions)
        detail = await self._return(payment, entry, action)
        return {**outcome, "result": "applied", "action": action.value, "detail": detail}

    async def _return(self, payment: PaymentRow, entry: ReturnEntry, action: ReturnAction) -> str:
        code = entry.reason_code
        rejected = entry.outcome is EntryOutcome.REJECTED
        said = f"{'rejected' if rejected else 'returned'} by the bank ({code or 'no code'})"
        status, overdue = "failed" if rejected else "returned", False
        if action is ReturnAction.DISPUTE:
            status, reason = (
                "refunded",
                "the member asked their bank for a refund; talk to them before collecting again",
            )
            outcome = "disputed: staff talk to the member, nothing is collected again"
        else:
            current = await payments.read_payment_state(self.session, payment.studio_id, payment.member_id)
            if action is ReturnAction.END_MANDATE:
                await self._end_mandate(payment, code)
                reason, outcome = (
                    "the mandate is ended; ask the member for a new one",
                    "mandate ended: the amount waits",
                )
            elif current.failed_attempts >= self.settings.max_recollections:
                reason = f"collected again {current.failed_attempts} times, the member is overdue"
                outcome, overdue = "overdue: not collected again; clear the payment once the member has paid", True
            else:
                reason, outcome = "collected again in the next payment run", "collected again in the next payment run"
            if not overdue:  # the amount (and a return fee) wait for the next run
                await self._charge_return_fee(payment, code)
                await charges.reopen_for_next_run(self.session, payment)
        await payments.record_bank_return(
            self.session, payment, status=status, reason_code=code, reason=f"{said}: {reason}", overdue=overdue
        )
        return outcome

    async def _end_mandate(self, payment: PaymentRow, code: str | None) -> None:
        mandate = await self.session.scalar(
            select(MandateRow)
            .where(MandateRow.studio_id == payment.studio_id, MandateRow.member_id == payment.member_id)
            .with_for_update()
        )
        if mandate is not None and mandate.mandate_reference == payment.mandate_reference:
            mandate.ended_on = self.today
            mandate.ended_reason = f"returned with {code or 'no code'}"

    async def _charge_return_fee(self, payment: PaymentRow, code: str | None) -> None:
        """The studio's return fee as a charge of the subscription whose fee came back, with a return that is
        collected again (none for a dispute, an overdue member or a payment of shop purchases only)."""
        fee = self.settings.return_fee_cents
        if not fee:
            return
        returned = await self.session.scalar(
            select(ChargeRow)
            .where(ChargeRow.payment_id == payment.id)
            .order_by(ChargeRow.due_on, ChargeRow.id)
            .limit(1)
        )
        if returned is None:
            return
        self.session.add(
            ChargeRow(
                id=uuid.uuid5(payment.id, "return-fee"),
                studio_id=payment.studio_id,
                member_id=payment.member_id,
                subscription_id=returned.subscription_id,
                plan_id=returned.plan_id,
                description=f"Return fee {code or ''}".strip(),
                amount_cents=fee,
                currency=payment.currency,
                due_on=self.today,
            )
        )
