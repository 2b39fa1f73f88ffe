"""A member changing their IBAN in the app (a SEPA studio): a new e-mandate replaces the current mandate, which
is kept as ended (with its signature) as the authority for what it collected; the new mandate's first collection
is FRST, whatever the IBAN."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import EndedMandateRow, MandateRow
from gymloop_billing.service import sepa
from gymloop_billing.service.self_service import MandateConsent, sign_e_mandate


async def change_mandate(
    session: AsyncSession,
    studio_id: uuid.UUID,
    member_id: uuid.UUID,
    consent: MandateConsent,
    *,
    ip_address: str | None,
    user_agent: str | None,
    now: datetime,
) -> MandateRow:
    """In the caller's transaction; a member without a mandate answers 404 mandate_not_found (they choose a plan
    with its e-mandate instead), a refused consent or IBAN changes nothing."""
    current = await sepa.get_mandate(session, studio_id, member_id)
    ended = EndedMandateRow(
        studio_id=studio_id,
        member_id=member_id,
        mandate_reference=current.mandate_reference,
        iban=current.iban,
        account_holder=current.account_holder,
        signed_on=current.signed_on,
        consented_at=current.consented_at,
        consent_ip=current.consent_ip,
        consent_user_agent=current.consent_user_agent,
        mandate_text_version=current.mandate_text_version,
        ended_at=now,
    )  # taken before the row is overwritten below
    mandate = await sign_e_mandate(
        session, studio_id, member_id, consent, ip_address=ip_address, user_agent=user_agent, now=now
    )
    mandate.last_collected_iban = None  # a new mandate: its first collection is FRST
    session.add(ended)
    await session.flush()
    return mandate
