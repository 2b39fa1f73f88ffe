"""How a studio collects money, and its billing settings."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from uuid import UUID

from gymloop_billing.domain.creditor import Creditor
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.money import validate_currency


class CollectionMethod(enum.StrEnum):
    SEPA_EXPORT = "sepa_export"
    STRIPE = "stripe"
    OFFLINE = "offline"

    @property
    def collects(self) -> bool:
        """Offline studios take money outside Gymloop: we must never collect for them."""
        return self is not CollectionMethod.OFFLINE


@dataclass(frozen=True, slots=True)
class AnnouncedSettings:
    """What other services follow of a studio's billing settings (BillingSettingsChanged); the creditor
    details are billing's own business."""

    collection_method: CollectionMethod
    currency: str
    overdue_members_may_book: bool

    def worth_announcing(self, before: AnnouncedSettings | None) -> bool:
        """True on the first configuration (`before` None) and when any announced value changed."""
        return before != self


@dataclass(frozen=True, slots=True)
class StudioBillingSettings:
    studio_id: UUID
    collection_method: CollectionMethod
    currency: str = "EUR"
    overdue_members_may_book: bool = False
    creditor: Creditor | None = None

    def __post_init__(self) -> None:
        validate_currency(self.currency)
        if self.collection_method is CollectionMethod.SEPA_EXPORT:
            if self.creditor is None:
                raise DomainError(
                    code="creditor_required",
                    field="creditor",
                    message="SEPA export needs the studio's creditor details: name, IBAN, creditor id",
                )
            if self.currency != "EUR":
                raise DomainError(
                    code="sepa_currency",
                    field="currency",
                    message=f"SEPA direct debits are in EUR only, not {self.currency}",
                )

    @property
    def announced(self) -> AnnouncedSettings:
        return AnnouncedSettings(self.collection_method, self.currency, self.overdue_members_may_book)
