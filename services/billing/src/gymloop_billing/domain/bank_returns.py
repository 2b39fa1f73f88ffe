"""Bank return files and what a reason code does, as pure functions.

A camt.054 (debit notification) lists the collections the bank booked and those returned (`RtrInf` with the
reason code); a pain.002 (payment status report) lists the collections the bank rejected before settlement
(`TxSts` RJCT with the reason code). Both are read by element name in whatever version's namespace the bank uses
(camt.054.001.02 to .08, pain.002.001.03 to .10 name these elements alike), with entities and the network off.

Each entry keeps what it is matched on: the end-to-end id, the mandate and the amount. Matching is the service's
job (it knows the run's payments); a reason code's action is the studio's policy over `DEFAULT_RETURN_ACTIONS`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

from gymloop_billing.domain.errors import DomainError

DEFAULT_MAX_RECOLLECTIONS = 2  # a returned amount is collected again twice, then the member is overdue
MAX_RETURN_FILE_BYTES = 20_000_000  # a camt.054 of 10,000 returns is about 15 MB


class ReturnFileKind(enum.StrEnum):
    CAMT_054 = "camt.054"
    PAIN_002 = "pain.002"


class EntryOutcome(enum.StrEnum):
    COLLECTED = "collected"  # booked by the bank (camt.054 without return information)
    RETURNED = "returned"  # returned after settlement (camt.054 RtrInf)
    REJECTED = "rejected"  # refused before settlement (pain.002 RJCT)


class ReturnAction(enum.StrEnum):
    END_MANDATE = "end_mandate"  # the mandate is unusable: staff collect a new one, the amount waits for it
    RECOLLECT = "recollect"  # collect the amount again in the next run, at most N times, then overdue
    DISPUTE = "dispute"  # the member asked their bank for a refund: staff talk to them, nothing is collected


# The defaults: account closed or blocked, no mandate, debtor deceased end the mandate; insufficient funds,
# refused and no reason given are collected again; a refund request is a dispute. Other codes are collected again.
DEFAULT_RETURN_ACTIONS: Mapping[str, ReturnAction] = {
    "AC04": ReturnAction.END_MANDATE,
    "AC06": ReturnAction.END_MANDATE,
    "MD01": ReturnAction.END_MANDATE,
    "MD07": ReturnAction.END_MANDATE,
    "AM04": ReturnAction.RECOLLECT,
    "MS02": ReturnAction.RECOLLECT,
    "MS03": ReturnAction.RECOLLECT,
    "MD06": ReturnAction.DISPUTE,
}
FALLBACK_ACTION = ReturnAction.RECOLLECT
REASON_CODE_LENGTH = 4  # ISO 20022 ExternalReturnReason1Code / ExternalStatusReason1Code


@dataclass(frozen=True, slots=True)
class ReturnEntry:
    """One transaction of a return file, in the file's order (`position` from 1, for the report)."""

    position: int
    outcome: EntryOutcome
    end_to_end_id: str | None
    mandate_reference: str | None
    amount_cents: int | None
    reason_code: str | None


def action_for(reason_code: str | None, studio_actions: Mapping[str, str]) -> ReturnAction:
    """What a return with this reason code does in the studio: its own choice, else the default."""
    code = (reason_code or "").upper()
    if code in studio_actions:
        return ReturnAction(studio_actions[code])
    return DEFAULT_RETURN_ACTIONS.get(code, FALLBACK_ACTION)


def validate_return_actions(actions: Mapping[str, str]) -> dict[str, ReturnAction]:
    """A studio's policy from a form: four-character codes, each with one of the actions."""
    checked: dict[str, ReturnAction] = {}
    for code, action in actions.items():
        if len(code) != REASON_CODE_LENGTH or not code.isalnum():
            raise DomainError(
                code="reason_code_invalid",
                field=f"actions.{code}",
                message=f"{code!r} is not an ISO 20022 reason code (four letters or digits, e.g. AM04)",
            )
        try:
            checked[code.upper()] = ReturnAction(action)
        except ValueError:
            choices = ", ".join(a.value for a in ReturnAction)
            raise DomainError(
                code="return_action_invalid",
                field=f"actions.{code}",
                message=f"{action!r} is not an action: choose one of {choices}",
            ) from None
    return checked


def parse_return_file(content: bytes) -> tuple[ReturnFileKind, list[ReturnEntry]]:
    """The kind of file (by its root element) and its entries; a file of neither kind is refused."""
    if len(content) > MAX_RETURN_FILE_BYTES:
        raise DomainError(
            code="return_file_too_large",
            field="file",
            message=f"the file is larger than {MAX_RETURN_FILE_BYTES // 1_000_000} MB: split it per day",
        )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise DomainError(code="return_file_not_xml", field="file", message=f"not well-formed XML: {exc}") from None
    message = root[0] if len(root) else root
    name = etree.QName(message).localname
    if name == "BkToCstmrDbtCdtNtfctn":
        return ReturnFileKind.CAMT_054, list(_camt054_entries(message))
    if name == "CstmrPmtStsRpt":
        return ReturnFileKind.PAIN_002, list(_pain002_entries(message))
    raise DomainError(
        code="return_file_kind",
        field="file",
        message=f"a {name} message is neither a camt.054 debit notification nor a pain.002 status report",
    )


def _children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    return (child for child in element.iterchildren() if etree.QName(child).localname == name)


def _text(element: etree._Element, *path: str) -> str | None:
    current: etree._Element | None = element
    for name in path:
        current = next(_children(current, name), None) if current is not None else None
    if current is None or current.text is None:
        return None
    return current.text.strip() or None


def _cents(text: str | None, position: int) -> int | None:
    if text is None:
        return None
    try:
        value = Decimal(text) * 100
    except InvalidOperation:
        raise DomainError(
            code="return_file_amount", field=f"entries.{position}", message=f"amount {text!r} is not a number"
        ) from None
    if value != value.to_integral_value():
        raise DomainError(
            code="return_file_amount", field=f"entries.{position}", message=f"amount {text} has more than 2 decimals"
        )
    return int(value)


def _camt054_entries(message: etree._Element) -> Iterator[ReturnEntry]:
    position = 0
    for notification in _children(message, "Ntfctn"):
        for entry in _children(notification, "Ntry"):
            for details in _children(entry, "NtryDtls"):
                for transaction in _children(details, "TxDtls"):
                    position += 1
                    reason = _text(transaction, "RtrInf", "Rsn", "Cd")
                    returned = next(_children(transaction, "RtrInf"), None) is not None
                    amount = _text(transaction, "Amt") or _text(transaction, "AmtDtls", "TxAmt", "Amt")
                    yield ReturnEntry(
                        position=position,
                        outcome=EntryOutcome.RETURNED if returned else EntryOutcome.COLLECTED,
                        end_to_end_id=_text(transaction, "Refs", "EndToEndId"),
                        mandate_reference=_text(transaction, "Refs", "MndtId"),
                        amount_cents=_cents(amount, position),
                        reason_code=reason,
                    )


def _pain002_entries(message: etree._Element) -> Iterator[ReturnEntry]:
    position = 0
    for payment_info in _children(message, "OrgnlPmtInfAndSts"):
        for transaction in _children(payment_info, "TxInfAndSts"):
            position += 1
            if _text(transaction, "TxSts") != "RJCT":
                continue  # accepted or pending at the bank: the camt.054 tells what was booked
            yield ReturnEntry(
                position=position,
                outcome=EntryOutcome.REJECTED,
                end_to_end_id=_text(transaction, "OrgnlEndToEndId"),
                mandate_reference=_text(transaction, "OrgnlTxRef", "MndtRltdInf", "MndtId"),
                amount_cents=_cents(_text(transaction, "OrgnlTxRef", "Amt", "InstdAmt"), position),
                reason_code=_text(transaction, "StsRsnInf", "Rsn", "Cd"),
            )
