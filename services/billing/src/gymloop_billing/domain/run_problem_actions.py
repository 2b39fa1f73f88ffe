"""What staff do about a member left out of a payment run (or collected with a warning), per problem code."""

from __future__ import annotations

MANDATE_FIX = "correct the member's SEPA mandate (PUT /members/{member_id}/mandate); the charges wait for the next run"

_ACTIONS = {
    "no_mandate": "register the member's signed SEPA mandate with their IBAN (PUT /members/{member_id}/mandate); "
    "the charges wait for the next run",
    "iban_required": MANDATE_FIX,
    "iban_checksum": MANDATE_FIX,
    "mandate_ended": "ask the member for a new signed SEPA mandate and register it (PUT /members/{member_id}/mandate); "
    "the returned amount waits for the next run",
    "mandate_signature_missing": "enter the date the member signed the mandate (PUT /members/{member_id}/mandate)",
    "mandate_signature_in_future": "correct the mandate's signature date (PUT /members/{member_id}/mandate)",
    "duplicate_member": "nothing to do: the member's charges are collected once, in the next run",
    "currency_mismatch": "charge the member in the studio's currency; the other charges wait for the next run",
    "zero_amount": "nothing to do: the member owes nothing for this period",
    "negative_amount": "settle the member's credit another way (a refund); nothing is collected",
    "amount_too_large": "collect this amount another way (e.g. at the desk) or split it",
}
DEFAULT_ACTION = "correct the member's details named in the reason; the charges wait for the next run"
WARNING_ACTION = "nothing to do: the member was collected, with the text adjusted for the bank"


def what_to_do(code: str, member_id: str, *, warning: bool) -> str:
    if warning and code not in _ACTIONS:
        return WARNING_ACTION
    return _ACTIONS.get(code, DEFAULT_ACTION).replace("{member_id}", member_id)
