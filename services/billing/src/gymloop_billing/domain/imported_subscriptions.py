"""Billing's rules for a subscription that arrives with an import row (seed 003, the import saga).

The importer sends one MemberImportRequested per row; members answers with the member id
(MemberRegistered/MemberUpdated carrying the row's import_ref). Billing acts once it has both:
these rules decide what it does, without I/O.

Documented choices:
- Subscriptions are imported only when the studio collects by SEPA Direct Debit Export. The one
  exception (seed 003) is a free plan that is not visible (e.g. staff access); it is refused too when
  the member already pays through an active Stripe subscription.
- Every imported subscription of a SEPA studio comes with a mandate. Its reference is derived from
  the member id (one mandate per member), so a re-import or a redelivery finds the same reference.
- The mandate's date of signature is the day the import was requested: the import is the studio's
  statement that it holds the signed mandate, and the real date from the old system is not in the
  template. The first collection under it is FRST (a new mandate has never been collected).
- A member who already has a running (active or paused) subscription to the same plan keeps it: the
  re-import of a file creates nothing new.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date

from gymloop_billing.domain.collection import CollectionMethod
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.mandates import Mandate
from gymloop_billing.domain.plans import Plan

# Fixed forever: the ids below must come out the same in every process and after every redelivery.
_IMPORT_NAMESPACE = uuid.UUID("5f0b6a52-0d5e-4c59-9a55-6f1c1e4b8a01")
MANDATE_REFERENCE_PREFIX = "GL-"


class ImportRowStatus(enum.StrEnum):
    WAITING = "waiting"  # the request or the member id is still missing
    ACTIVATED = "activated"  # billing created the subscription (and the mandate)
    KEPT = "kept"  # the member already had it: nothing created (a re-import)
    REFUSED = "refused"  # a rule said no; see the reason
    MEMBER_REFUSED = "member_refused"  # members refused the person: no member, so no subscription either
    NO_SUBSCRIPTION = "no_subscription"  # the row asks for no subscription: nothing to do


@dataclass(frozen=True, slots=True)
class ImportRowKey:
    studio_id: uuid.UUID
    import_job_id: uuid.UUID
    row_number: int


def import_row_id(import_job_id: uuid.UUID, row_number: int) -> str:
    """The importer's id of a row (MemberImportRequested.row_id, '<job id>:<row number>'): billing's
    SubscriptionImportRejected carries it so the importer finds its row. Billing's row is keyed by the same
    job and number, so the id is rebuilt here rather than stored."""
    return f"{import_job_id}:{row_number}"


def subscription_id_for(key: ImportRowKey) -> uuid.UUID:
    """The id of the subscription an import row creates: a second creation would hit the primary key."""
    return uuid.uuid5(_IMPORT_NAMESPACE, f"{key.studio_id}:{key.import_job_id}:{key.row_number}")


def mandate_reference_for(member_id: uuid.UUID) -> str:
    """35 characters, the SEPA maximum: 'GL-' and the member id's 32 hex digits (EPC-safe characters)."""
    return f"{MANDATE_REFERENCE_PREFIX}{member_id.hex.upper()}"


def check_importable(
    *, collection_method: CollectionMethod, plan: Plan, plan_active: bool, has_active_stripe_subscription: bool
) -> None:
    """Raise a DomainError saying why this plan cannot be imported for this member; return when it can."""
    if not plan_active:
        raise DomainError(
            code="plan_inactive",
            field="subscription",
            message=f"plan {plan.name!r} is no longer offered: activate it again or import another plan",
        )
    if collection_method is CollectionMethod.SEPA_EXPORT:
        return
    if not plan.is_staff_access:
        raise DomainError(
            code="subscription_import_needs_sepa_export",
            field="subscription",
            message=f"subscriptions can only be imported when the studio collects by SEPA Direct Debit Export, "
            f"and this studio collects by {collection_method.value}: switch the collection method to SEPA "
            f"export, or let the member subscribe to {plan.name!r} in the app",
        )
    if has_active_stripe_subscription:
        raise DomainError(
            code="stripe_subscription_active",
            field="subscription",
            message=f"the member pays through an active Stripe subscription, so the free plan {plan.name!r} "
            "cannot be imported for them: end the Stripe subscription first or grant the plan by hand",
        )


def needs_mandate(collection_method: CollectionMethod) -> bool:
    """Only a SEPA export studio collects under a mandate; a free staff plan elsewhere needs none."""
    return collection_method is CollectionMethod.SEPA_EXPORT


def imported_mandate(
    *, member_id: uuid.UUID, iban: str, account_holder: str, requested_on: date, today: date
) -> Mandate:
    """The mandate of an imported row, validated like one typed into the form (IBAN via schwifty, EPC
    characters in the holder's name, signature date not in the future)."""
    return Mandate.create(
        mandate_reference=mandate_reference_for(member_id),
        member_id=member_id,
        iban=iban,
        account_holder=account_holder,
        signed_on=requested_on,
        today=max(today, requested_on),
    )


def same_account(stored_iban: str, new_iban: str) -> bool:
    return "".join(stored_iban.split()).upper() == "".join(new_iban.split()).upper()
