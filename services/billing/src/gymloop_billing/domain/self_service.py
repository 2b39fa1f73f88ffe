"""Members choosing a plan and cancelling it themselves: the e-mandate's text and its signature, which plans a
member may pick, and the cancel button's rule (German §312k BGB: a confirmation step, then a receipt).

An e-mandate is signed by the member's explicit consent to one text: the text names the studio as creditor, its
creditor identifier and the mandate reference; its version is a digest of exactly that wording, so what the member
saw and what we keep as signed cannot differ. The signature is the consent, its time, the member's IP address and
browser, and the text version.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from schwifty import IBAN

from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.iban import validate_iban
from gymloop_billing.domain.imported_subscriptions import mandate_reference_for
from gymloop_billing.domain.plans import Plan

MANDATE_TEXT_TEMPLATE = (
    "SEPA Direct Debit Mandate (SEPA Core)\n"
    "Creditor: {creditor_name}, creditor identifier {creditor_id}\n"
    "Mandate reference: {mandate_reference}\n"
    "By accepting this mandate, you authorise {creditor_name} to send instructions to your bank to debit your "
    "account, and your bank to debit your account in accordance with the instructions from {creditor_name}, for "
    "the fees of the plans you choose. As part of your rights, you are entitled to a refund from your bank under "
    "the terms and conditions of your agreement with your bank. A refund must be claimed within 8 weeks starting "
    "from the date on which your account was debited. You will be told the amount and date of each debit at least "
    "one day before it."
)
# the member may cancel within their own login; what the studio's notice is: one month from the request
MEMBER_NOTICE_MONTHS = 1


@dataclass(frozen=True)
class MandateText:
    version: str  # "v1-" and the first 16 hex digits of the text's SHA-256
    text: str
    mandate_reference: str


def mandate_text(*, creditor_name: str | None, creditor_id: str | None, member_id: uuid.UUID) -> MandateText:
    """The text the member accepts, for their own mandate reference; refused while the studio has no creditor."""
    if not creditor_name or not creditor_id:
        raise DomainError(
            code="creditor_missing",
            field="collection_method",
            message="this studio has not set up its SEPA creditor details yet: ask the studio to complete them",
        )
    reference = mandate_reference_for(member_id)
    text = MANDATE_TEXT_TEMPLATE.format(
        creditor_name=creditor_name, creditor_id=creditor_id, mandate_reference=reference
    )
    version = "v1-" + hashlib.sha256(text.encode()).hexdigest()[:16]
    return MandateText(version=version, text=text, mandate_reference=reference)


@dataclass(frozen=True)
class MandateSignature:
    """The member's online consent to one version of the mandate text."""

    consented_at: datetime
    ip_address: str
    user_agent: str
    text_version: str


def sign_mandate(
    *,
    accepted: bool,
    text_version: str,
    current: MandateText,
    ip_address: str | None,
    user_agent: str | None,
    now: datetime,
) -> MandateSignature:
    """The signature, when the member accepted the text they were shown and it is still the text we offer."""
    if accepted is not True:
        raise DomainError(
            code="mandate_not_accepted",
            field="mandate_accepted",
            message="accept the SEPA mandate text to pay by direct debit",
        )
    if text_version != current.version:
        raise DomainError(
            code="mandate_text_changed",
            field="mandate_text_version",
            message="the mandate text changed since it was shown: read it again (GET the mandate text) and accept it",
        )
    if not ip_address or not user_agent:
        raise DomainError(
            code="mandate_acceptance_incomplete",
            field="user_agent" if ip_address else "ip_address",
            message="an e-mandate is accepted from the member's browser: its IP address and User-Agent are needed",
        )
    return MandateSignature(
        consented_at=now, ip_address=ip_address[:64], user_agent=user_agent[:500], text_version=text_version
    )


def sepa_iban(value: str) -> str:
    """The compact IBAN, or a field error naming `iban`: bad checksum, wrong length, or outside the SEPA zone."""
    compact = validate_iban(value, field="iban")
    if not IBAN(compact).in_sepa_zone:
        raise DomainError(
            code="iban_country_unsupported",
            field="iban",
            message=f"IBAN {value} is from {compact[:2]}, outside the SEPA zone: give an account in a SEPA country",
        )
    return compact


def ensure_member_may_choose(plan: Plan, *, active: bool) -> None:
    """A member picks only what the studio offers them: an active, visible plan (hidden ones are staff-given)."""
    if not active or not plan.visible:
        raise DomainError(
            code="plan_not_offered", field="plan_id", message="this plan is not offered: choose one of the studio's"
        )


def ensure_pack(plan: Plan) -> None:
    if not plan.is_pack:
        raise DomainError(
            code="plan_not_a_pack",
            field="plan_id",
            message="only session packs are paid at once: start a recurring plan with POST /stripe/subscriptions",
        )


@dataclass(frozen=True)
class CancellationTerms:
    """What the confirmation step shows: cancelled today, running until `end_date` (None: ends at once)."""

    requested_on: date
    notice_months: int
    end_date: date | None


def wait_before_next(times: Sequence[datetime], *, limit: int, window: timedelta, now: datetime) -> int | None:
    """Seconds until one more request is allowed when `times` already hold `limit` in the window; None: allowed."""
    recent = sorted(at for at in times if now - at < window)
    if len(recent) < limit:
        return None
    return max(1, math.ceil((recent[-limit] + window - now).total_seconds()))
