"""Self-registration: a person signs up at a studio found by its slug, confirms the e-mailed link, and becomes a
member of that studio (with a new login, or with the login they already have at another studio). They take a
session and never commit.

The sign-up answer is the same whether the e-mail has a login or not; only the e-mail says which, and only to
its owner. Nothing exists as a login or a member before the link is followed, so an unverified address cannot
book.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from gymloop_kit.errors import NotFound, TooManyRequests
from gymloop_kit.throttle import WindowThrottle
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from gymloop_members.db.models import Account, Membership, Registration, Studio, VerificationFailure
from gymloop_members.domain.errors import DomainError
from gymloop_members.domain.passwords import check_password_strength
from gymloop_members.domain.profile import check_name, normalize_email
from gymloop_members.domain.tokens import hash_token, new_token
from gymloop_members.service.accounts import Refused, TokenPair, issue_tokens
from gymloop_members.service.common import lock_key, utcnow
from gymloop_members.service.mail import queue_registration_mail
from gymloop_members.service.members import NewMember, register_member
from gymloop_members.service.passwords import hash_password
from gymloop_members.settings import MembersSettings


async def studio_by_slug(session: AsyncSession, slug: str) -> Studio:
    studio = await session.scalar(select(Studio).where(Studio.slug == slug.strip().lower()))
    if studio is None:
        raise NotFound("no studio has this address: check the link", code="studio_not_found", field="slug")
    return studio


def _throttle(settings: MembersSettings) -> WindowThrottle:
    return WindowThrottle(
        window=timedelta(seconds=settings.registration_window_s),
        max_per_account=settings.registration_max_per_email,
        max_per_ip=settings.registration_max_per_ip,
    )


async def _recent(
    session: AsyncSession, column: InstrumentedAttribute[str], value: str, since: datetime
) -> list[datetime]:
    return list(
        await session.scalars(select(Registration.created_at).where(column == value, Registration.created_at > since))
    )


async def sign_up(
    session: AsyncSession, settings: MembersSettings, *, slug: str, email: str, password: str, first_name: str,
    last_name: str, ip: str, now: datetime | None = None,
) -> None:  # fmt: skip
    """Queue the confirmation mail of a sign-up at the studio of `slug`. Too many sign-ups from one client address
    answer 429; too many for one e-mail change nothing and answer as usual, so the answer never tells whether the
    e-mail is known."""
    now = now or utcnow()
    studio = await studio_by_slug(session, slug)
    email = normalize_email(email)
    first_name = check_name(first_name, field="first_name")
    last_name = check_name(last_name, field="last_name")
    check_password_strength(password, email)
    throttle = _throttle(settings)
    since = now - throttle.window
    await lock_key(session, f"registration-ip:{ip}")
    ip_wait = throttle.retry_after(
        account_failures=[], ip_failures=await _recent(session, Registration.ip, ip, since), now=now
    )
    if ip_wait is not None:
        raise TooManyRequests(
            f"too many sign-ups from this address: try again in {ip_wait} seconds", code="registration_throttled",
            retry_after_s=ip_wait,
        )  # fmt: skip
    # Hashed whether or not the e-mail has a login, so the answer takes as long either way.
    password_hash = await hash_password(settings, password)
    await lock_key(session, f"email:{email}")
    email_wait = throttle.retry_after(
        account_failures=await _recent(session, Registration.email, email, since), ip_failures=[], now=now
    )
    if email_wait is not None:
        return
    has_login = await session.scalar(select(Account.id).where(Account.email == email)) is not None
    token, token_hash = new_token()
    session.add(
        Registration(
            id=uuid.uuid4(), studio_id=studio.studio_id, email=email, first_name=first_name, last_name=last_name,
            password_hash=None if has_login else password_hash, ip=ip, token_hash=token_hash, created_at=now,
            expires_at=now + timedelta(seconds=settings.registration_token_ttl_s),
        )
    )  # fmt: skip
    await queue_registration_mail(
        session, settings, to=email, token=token, studio_id=studio.studio_id, studio_name=studio.name,
        has_login=has_login,
    )  # fmt: skip


def _link_refused(code: str, message: str) -> DomainError:
    return DomainError(code=code, field="token", message=message)


def _count_refusal(session: AsyncSession, ip: str, now: datetime, code: str, message: str) -> Refused:
    session.add(VerificationFailure(ip=ip, at=now))
    return Refused(_link_refused(code, message))


async def verify(
    session: AsyncSession, settings: MembersSettings, token: str, *, ip: str = "unknown", now: datetime | None = None
) -> TokenPair | Refused:
    """Follow the e-mailed link: the person becomes a member of the studio (MemberRegistered) and is logged in
    there. A link works once and until it expires; following it again after it worked logs nobody in. A link that
    is not valid is counted for the client address (the refusal is returned so that the count is committed), and
    too many from one address answer 429 before any token is looked at."""
    now = now or utcnow()
    throttle = WindowThrottle(
        window=timedelta(seconds=settings.verification_window_s),
        max_per_account=settings.verification_max_failures_per_ip,  # no account to count by: the address only
        max_per_ip=settings.verification_max_failures_per_ip,
    )
    await lock_key(session, f"verification-ip:{ip}")
    failures = list(
        await session.scalars(
            select(VerificationFailure.at).where(
                VerificationFailure.ip == ip, VerificationFailure.at > now - throttle.window
            )
        )
    )
    wait = throttle.retry_after(account_failures=[], ip_failures=failures, now=now)
    if wait is not None:
        return Refused(
            TooManyRequests(
                f"too many links that are not valid from this address: try again in {wait} seconds",
                code="verification_throttled",
                retry_after_s=wait,
            )
        )
    row = await session.scalar(
        select(Registration).where(Registration.token_hash == hash_token(token)).with_for_update()
    )
    if row is None:
        return _count_refusal(
            session, ip, now, "token_invalid", "this link is not valid: sign up again to get a new one"
        )
    if row.verified_at is not None:
        return _count_refusal(
            session, ip, now, "token_used", "this link was already used: log in with your e-mail and password"
        )
    if row.expires_at <= now:
        return _count_refusal(
            session, ip, now, "token_expired", "this link has expired: sign up again to get a new one"
        )
    row.verified_at = now
    await lock_key(session, f"email:{row.email}")
    account = await session.scalar(select(Account).where(Account.email == row.email))
    membership = None
    if account is not None:
        membership = await session.scalar(
            select(Membership).where(Membership.account_id == account.id, Membership.studio_id == row.studio_id)
        )
        if account.password_hash is None and row.password_hash is not None:
            # A login made by staff meanwhile: the person proved the inbox, so their chosen password applies.
            account.password_hash, account.password_changed_at = row.password_hash, now
    if membership is None:
        membership = await register_member(
            session, row.studio_id,
            NewMember(email=row.email, first_name=row.first_name, last_name=row.last_name),
            may_grant_roles=False, source="self", password_hash=row.password_hash, today=now.date(),
        )  # fmt: skip
        if account is None:
            created = await session.get(Account, membership.account_id)
            assert created is not None
            created.password_changed_at = now
    elif membership.status != "active":
        raise DomainError(
            code="membership_not_active", field="token",
            message="your membership of this studio is archived: ask the studio to reactivate it",
        )  # fmt: skip
    return await issue_tokens(session, settings, membership, now=now)
