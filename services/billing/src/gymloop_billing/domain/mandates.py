"""SEPA direct debit mandates and the FRST/RCUR sequence type.

Sequence rule (kept simple on purpose, documented): the first collection under a mandate is FRST;
later ones are RCUR; after the member changes their IBAN the next collection is FRST again. (EPC
rulebook 2016+ allows RCUR for a first collection and needs no FRST for an account change within
the same bank; FRST is always accepted, so this rule is the safe superset.)

A Mandate is a plain record and may hold bad data (it comes from imports and old systems); the
payment run reports such members as problems. `Mandate.create` validates input from a form.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from gymloop_billing.domain.epc_text import (
    MANDATE_ID_MAX_LENGTH,
    NAME_MAX_LENGTH,
    to_epc_text,
    validate_sepa_identifier,
)
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.iban import validate_iban


class SequenceType(enum.StrEnum):
    FIRST = "FRST"
    RECURRING = "RCUR"


@dataclass(frozen=True, slots=True)
class Mandate:
    mandate_reference: str
    member_id: UUID
    iban: str
    account_holder: str
    signed_on: date | None
    last_collected_iban: str | None = None  # IBAN of the latest collection; None: never collected

    @classmethod
    def create(
        cls,
        *,
        mandate_reference: str,
        member_id: UUID,
        iban: str,
        account_holder: str,
        signed_on: date | None,
        today: date,
    ) -> Mandate:
        mandate = cls(
            mandate_reference=mandate_reference,
            member_id=member_id,
            iban=iban,
            account_holder=account_holder,
            signed_on=signed_on,
        )
        problems = mandate_problems(mandate, today)
        if problems:
            raise problems[0]
        return replace(mandate, iban=validate_iban(iban))

    @property
    def next_sequence_type(self) -> SequenceType:
        if self.last_collected_iban is None or self.last_collected_iban != _compact(self.iban):
            return SequenceType.FIRST
        return SequenceType.RECURRING

    def record_collection(self) -> Mandate:
        """The mandate after a collection was sent to the bank: the next one is RCUR."""
        return replace(self, last_collected_iban=_compact(self.iban))

    def change_iban(self, new_iban: str) -> Mandate:
        """Switch to another account; the next collection is FRST again."""
        return replace(self, iban=validate_iban(new_iban))


def mandate_problems(mandate: Mandate, today: date) -> list[DomainError]:
    """Every reason this mandate cannot be collected, in the order staff should fix them."""
    problems: list[DomainError] = []
    checks = (
        lambda: validate_sepa_identifier(
            mandate.mandate_reference, field="mandate_reference", max_length=MANDATE_ID_MAX_LENGTH
        ),
        lambda: validate_iban(mandate.iban),
        lambda: to_epc_text(mandate.account_holder, field="account_holder", max_length=NAME_MAX_LENGTH, truncate=True),
        lambda: validate_signature_date(mandate.signed_on, today),
    )
    for check in checks:
        try:
            check()
        except DomainError as error:
            problems.append(error)
    return problems


def validate_signature_date(signed_on: date | None, today: date) -> date:
    if signed_on is None:
        raise DomainError(
            code="mandate_signature_missing",
            field="signed_on",
            message="the mandate has no date of signature: enter the date the member signed it",
        )
    if signed_on > today:
        raise DomainError(
            code="mandate_signature_in_future",
            field="signed_on",
            message=f"the mandate's date of signature {signed_on.isoformat()} is in the future: "
            "enter the date the member actually signed",
        )
    return signed_on


def _compact(iban: str) -> str:
    return "".join(iban.split()).upper()
