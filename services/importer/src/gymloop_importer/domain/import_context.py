"""What validation needs to know about the studio: its plans, how it collects, its employees."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from gymloop_kit.text import without_breaking_characters


class CollectionMethod(StrEnum):
    SEPA_EXPORT = "sepa_export"
    STRIPE = "stripe"
    OFFLINE = "offline"
    # The importer learns the method from billing (BillingSettingsChanged); until it has, only free hidden
    # plans can be imported.
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return {
            CollectionMethod.SEPA_EXPORT: "SEPA Direct Debit Export",
            CollectionMethod.STRIPE: "Stripe",
            CollectionMethod.OFFLINE: "offline payment",
            CollectionMethod.UNKNOWN: "a collection method billing has not announced yet",
        }[self]


@dataclass(frozen=True)
class PlanInfo:
    name: str
    is_free: bool
    is_hidden: bool

    @property
    def importable_without_sepa(self) -> bool:
        # A free, hidden plan needs no payment provider (e.g. staff access), so any studio may import it.
        return self.is_free and self.is_hidden


@dataclass(frozen=True)
class ImportContext:
    plans: tuple[PlanInfo, ...]
    collection_method: CollectionMethod
    today: date  # the studio's local date, for "birth date not in the future"
    known_employee_emails: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # E-mail addresses are compared ignoring case, however the caller spelled them.
        normalized = frozenset(email.strip().casefold() for email in self.known_employee_emails)
        object.__setattr__(self, "known_employee_emails", normalized)

    @classmethod
    def build(
        cls,
        plans: Iterable[PlanInfo],
        collection_method: CollectionMethod,
        today: date,
        known_employee_emails: Iterable[str] = (),
    ) -> ImportContext:
        return cls(
            plans=tuple(plans),
            collection_method=collection_method,
            today=today,
            known_employee_emails=frozenset(known_employee_emails),
        )

    def plan_named(self, name: str) -> PlanInfo | None:
        """The plan of this name, also as the template lists a name with a control character in it."""
        exact = next((plan for plan in self.plans if plan.name == name), None)
        return exact or next((plan for plan in self.plans if without_breaking_characters(plan.name) == name), None)

    def plan_named_loosely(self, name: str) -> PlanInfo | None:
        wanted = " ".join(name.split()).casefold()
        return next((plan for plan in self.plans if " ".join(plan.name.split()).casefold() == wanted), None)

    def is_known_employee(self, email: str) -> bool:
        return email.casefold() in self.known_employee_emails
