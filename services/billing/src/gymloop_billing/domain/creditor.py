"""The studio as SEPA creditor: validated once, then trusted by the payment run and file builder."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gymloop_billing.domain.creditor_id import validate_creditor_id
from gymloop_billing.domain.epc_text import NAME_MAX_LENGTH, to_epc_text
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.iban import validate_iban

_BIC = re.compile(r"^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$")


@dataclass(frozen=True, slots=True)
class Creditor:
    """`name` is stored already transliterated to the EPC set; `iban`/`creditor_id` compact."""

    name: str
    iban: str
    creditor_id: str
    bic: str | None = None
    currency: str = "EUR"

    @classmethod
    def create(
        cls, *, name: str, iban: str, creditor_id: str, bic: str | None = None, currency: str = "EUR"
    ) -> Creditor:
        if currency != "EUR":
            raise DomainError(code="sepa_currency", field="currency", message=f"SEPA collects EUR only, not {currency}")
        if bic is not None and not _BIC.match(bic.strip().upper()):
            raise DomainError(
                code="bic_invalid",
                field="bic",
                message=f"BIC {bic!r} is not 8 or 11 letters/digits like ABNANL2A: check it or leave it out",
            )
        return cls(
            name=to_epc_text(name, field="creditor_name", max_length=NAME_MAX_LENGTH).text,
            iban=validate_iban(iban, field="creditor_iban"),
            creditor_id=validate_creditor_id(creditor_id),
            bic=None if bic is None else bic.strip().upper(),
            currency=currency,
        )
