"""Identity use cases: studio sign-up, login (with throttling and the first-login e-mail), rotating refresh
tokens, logout, studio switch, password reset. They take a session and never commit.

Login and refresh return an outcome instead of raising for refusals that must still be written (a failed
login is counted, a reused refresh token revokes its family): the caller commits, then answers the error.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from gymloop_kit.auth import issue_access_token
from gymloop_kit.errors import AppError, Forbidden, InvalidInput, NotFound, TooManyRequests, Unauthorized
from gymloop_kit.mail.limits import MailLimits, allow_mail
from gymloop_kit.studio_clock import UnknownTimeZone, parse_time_zone
from gymloop_kit.throttle import WindowThrottle
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.db.models import (
    Account,
    LoginFailure,
    Membership,
    PasswordToken,
    RefreshToken,
    Studio,
)
from gymloop_members.domain.errors import DomainConflict, DomainError
from gymloop_members.domain.passwords import check_password_strength
from gymloop_members.domain.profile import check_name, normalize_email
from gymloop_members.domain.tokens import check_one_time_token, hash_token, new_token, refresh_verdict
from gymloop_members.service.common import lock_key, utcnow
from gymloop_members.service.events import emit_registered, emit_studio_updated
from gymloop_members.service.mail import queue_password_mail
from gymloop_members.service.members import NewMember, get_member, register_member
from gymloop_members.service.passwords import hash_password, verify_password
from gymloop_members.service.studio_slugs import proposed_slug
from gymloop_members.settings import MembersSettings


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    studio_id: uuid.UUID
    role: str
    member_id: uuid.UUID
    account_id: uuid.UUID


@dataclass(frozen=True)
class StudioChoice:
    studio_id: uuid.UUID
    name: str
    role: str


@dataclass(frozen=True)
class ChooseStudio:
    studios: list[StudioChoice]


@dataclass(frozen=True)
class Refused:
    """A refusal whose bookkeeping must be committed before answering."""

    error: AppError


class WrongCredentials(Unauthorized):
    """The one answer to a failed login, whatever failed: unknown e-mail, wrong password, no password chosen yet
    (the first-login mail went out), or an archived login. It says what to do in each case."""

    def __init__(self) -> None:
        super().__init__(
            "e-mail or password is wrong. Check both; if you have not chosen a password yet, look in your inbox for"
            " a link to choose one; if you forgot it, ask for a reset link.",
            code="invalid_credentials",
        )


class TooManyAttempts(TooManyRequests):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed logins: try again in {retry_after} seconds", code="login_throttled",
            retry_after_s=retry_after,
        )  # fmt: skip


LoginOutcome = TokenPair | ChooseStudio | Refused


async def _active_memberships(session: AsyncSession, account_id: uuid.UUID) -> list[tuple[Membership, Studio]]:
    rows = await session.execute(
        select(Membership, Studio)
        .join(Studio, Studio.studio_id == Membership.studio_id)
        .where(Membership.account_id == account_id, Membership.status == "active")
        .order_by(Studio.name, Studio.studio_id)
    )
    return [(membership, studio) for membership, studio in rows]


async def issue_tokens(
    session: AsyncSession,
    settings: MembersSettings,
    membership: Membership,
    *,
    family_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> TokenPair:
    now = now or utcnow()
    access = issue_access_token(
        settings.jwt_private_key,
        account_id=membership.account_id,
        studio_id=membership.studio_id,
        role=membership.role,
        member_id=membership.id,
        ttl_s=settings.access_token_ttl_s,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        now=now,
    )
    refresh, refresh_hash = new_token()
    session.add(
        RefreshToken(
            id=uuid.uuid4(),
            family_id=family_id or uuid.uuid4(),
            account_id=membership.account_id,
            studio_id=membership.studio_id,
            token_hash=refresh_hash,
            expires_at=now + timedelta(seconds=settings.refresh_token_ttl_s),
        )
    )
    await session.flush()
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings.access_token_ttl_s,
        studio_id=membership.studio_id,
        role=membership.role,
        member_id=membership.id,
        account_id=membership.account_id,
    )


# --- studios -----------------------------------------------------------------------------------------------


@dataclass
class StudioSignup:
    studio_name: str
    timezone: str
    email: str
    password: str
    first_name: str
    last_name: str


def check_timezone(value: str) -> str:
    try:
        parse_time_zone(value)  # the kit's parser: every service reads a studio's zone by the same rules
    except UnknownTimeZone:
        raise DomainError(
            code="timezone_unknown",
            field="timezone",
            message=f"{value!r} is not an IANA time zone like Europe/Amsterdam",
        ) from None
    return value


async def signup_studio(session: AsyncSession, settings: MembersSettings, data: StudioSignup) -> TokenPair:
    """A new studio and its first admin (public: how a studio starts, and how the demo data is seeded)."""
    email = normalize_email(data.email)
    check_password_strength(data.password, email)
    name = check_name(data.studio_name, field="studio_name")
    studio = Studio(
        studio_id=uuid.uuid4(), name=name, timezone=check_timezone(data.timezone),
        slug=await proposed_slug(session, name),
    )  # fmt: skip
    await lock_key(session, f"email:{email}")
    if await session.scalar(select(Account.id).where(Account.email == email)) is not None:
        raise DomainConflict(
            code="email_taken",
            field="email",
            message="this e-mail cannot sign up a new studio: if it is your login, log in and open the studio there",
        )
    session.add(studio)
    await session.flush()
    await emit_studio_updated(session, studio)
    membership = await register_member(
        session,
        studio.studio_id,
        NewMember(email=email, first_name=data.first_name, last_name=data.last_name, role="admin", is_member=False),
        may_grant_roles=True,
        source="self",
        password_hash=await hash_password(settings, data.password),
    )
    account = await session.get(Account, membership.account_id)
    assert account is not None
    account.password_changed_at = utcnow()
    return await issue_tokens(session, settings, membership)


async def create_studio(
    session: AsyncSession, settings: MembersSettings, *, account_id: uuid.UUID, current_studio_id: uuid.UUID,
    name: str, timezone: str,
) -> TokenPair:  # fmt: skip
    """A logged-in person opens another studio and becomes its admin; the answer is a token for it."""
    # An archived member's token is valid until it expires, but must not open a studio.
    current = await _active_membership(session, account_id, current_studio_id)
    name = check_name(name, field="name")
    studio = Studio(
        studio_id=uuid.uuid4(), name=name, timezone=check_timezone(timezone), slug=await proposed_slug(session, name)
    )
    session.add(studio)
    await session.flush()
    await emit_studio_updated(session, studio)
    membership = Membership(
        id=uuid.uuid4(),
        studio_id=studio.studio_id,
        account_id=account_id,
        role="admin",
        is_member=False,
        status="active",
        first_name=current.first_name,
        last_name=current.last_name,
        phone=current.phone,
        start_date=utcnow().date(),
    )
    session.add(membership)
    await session.flush()
    await emit_registered(session, membership, source="self")
    return await issue_tokens(session, settings, membership)


# --- login ---------------------------------------------------------------------------------------------------


async def login(
    session: AsyncSession,
    settings: MembersSettings,
    *,
    email: str,
    password: str,
    studio_id: uuid.UUID | None,
    ip: str,
    now: datetime | None = None,
) -> LoginOutcome:
    now = now or utcnow()
    email = normalize_email(email)
    throttle = WindowThrottle(
        window=timedelta(seconds=settings.login_window_s),
        max_per_account=settings.login_max_failures_per_account,
        max_per_ip=settings.login_max_failures_per_ip,
    )
    await lock_key(session, f"login:{email}")
    since = now - throttle.window
    account_failures = list(
        await session.scalars(select(LoginFailure.at).where(LoginFailure.email == email, LoginFailure.at > since))
    )
    ip_failures = list(
        await session.scalars(select(LoginFailure.at).where(LoginFailure.ip == ip, LoginFailure.at > since))
    )
    wait = throttle.retry_after(account_failures=account_failures, ip_failures=ip_failures, now=now)
    if wait is not None:
        return Refused(TooManyAttempts(wait))

    account = await session.scalar(select(Account).where(Account.email == email))
    if account is not None and account.password_hash is None:
        # No password yet (made by staff or the importer): the first-login mail goes out, but the answer and the
        # time it takes are those of a wrong password, so nobody learns which e-mails have such a login.
        await verify_password(settings, password, None)
        await _first_login_mail(session, settings, account, ip=ip, now=now)
        matches, new_hash = False, None
    else:
        matches, new_hash = await verify_password(settings, password, account.password_hash if account else None)
    if account is None or not matches:
        session.add(LoginFailure(email=email, ip=ip, at=now))
        return Refused(WrongCredentials())
    if new_hash:
        account.password_hash = new_hash
    await session.execute(delete(LoginFailure).where(LoginFailure.email == email))

    memberships = await _active_memberships(session, account.id)
    if not memberships:
        return Refused(Forbidden("this login has no active membership in any studio", code="no_active_membership"))
    if studio_id is not None:
        chosen = [m for m, _ in memberships if m.studio_id == studio_id]
        if not chosen:
            return Refused(
                InvalidInput("you have no active membership in this studio", code="studio_not_yours", field="studio_id")
            )
        return await issue_tokens(session, settings, chosen[0], now=now)
    if len(memberships) > 1:
        return ChooseStudio([StudioChoice(s.studio_id, s.name, m.role) for m, s in memberships])
    return await issue_tokens(session, settings, memberships[0][0], now=now)


FIRST_LOGIN_RESEND_S = 300


async def _first_login_mail(
    session: AsyncSession, settings: MembersSettings, account: Account, *, ip: str, now: datetime
) -> None:
    """Accounts made by staff or the importer have no password: a login attempt mails a set-password link (to
    an active member only). A link sent in the last minutes is not sent again, so repeated attempts do not flood
    the inbox, and the per-account and per-address mail limits apply on top."""
    memberships = await _active_memberships(session, account.id)
    if not memberships:
        return
    recent = await session.scalar(
        select(PasswordToken.id).where(
            PasswordToken.account_id == account.id,
            PasswordToken.purpose == "set_password",
            PasswordToken.used_at.is_(None),
            PasswordToken.created_at > now - timedelta(seconds=FIRST_LOGIN_RESEND_S),
        )
    )
    if recent is not None or not await allow_mail(
        session, _password_mail_limits(settings), recipient=account.email, address=ip, now=now
    ):
        return
    membership, studio = memberships[0]
    await _send_password_token(
        session, settings, account, purpose="set_password", studio_id=membership.studio_id, studio_name=studio.name,
        now=now,
    )  # fmt: skip


def _password_mail_limits(settings: MembersSettings) -> MailLimits:
    """Reset and first-login links share one limit per e-mail and per client address."""
    return MailLimits(
        kind="password",
        window=timedelta(seconds=settings.password_mail_window_s),
        max_per_recipient=settings.password_mail_max_per_account,
        max_per_address=settings.password_mail_max_per_ip,
    )


async def _send_password_token(
    session: AsyncSession,
    settings: MembersSettings,
    account: Account,
    *,
    purpose: str,
    studio_id: uuid.UUID | None,
    studio_name: str | None,
    now: datetime,
) -> None:
    token, token_hash = new_token()
    ttl = settings.set_password_token_ttl_s if purpose == "set_password" else settings.reset_token_ttl_s
    session.add(
        PasswordToken(
            id=uuid.uuid4(),
            account_id=account.id,
            studio_id=studio_id,
            purpose=purpose,
            token_hash=token_hash,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
    )
    await queue_password_mail(
        session, settings, to=account.email, token=token, purpose=purpose, studio_id=studio_id, studio_name=studio_name
    )


# --- refresh, logout, switch ---------------------------------------------------------------------------------


async def refresh(
    session: AsyncSession, settings: MembersSettings, token: str, *, now: datetime | None = None
) -> TokenPair | Refused:
    now = now or utcnow()
    row = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_token(token)).with_for_update()
    )
    if row is None:
        return Refused(Unauthorized("refresh token unknown: log in again", code="refresh_token_invalid"))
    verdict = refresh_verdict(used_at=row.used_at, revoked_at=row.revoked_at, expires_at=row.expires_at, now=now)
    if verdict == "reused":
        # A rotated token came back: it was copied. End the whole session, for the thief and the owner alike.
        await _revoke_family(session, row.family_id, now)
        return Refused(
            Unauthorized(
                "refresh token was already used: the session is ended, log in again", code="refresh_token_reused"
            )
        )
    if verdict != "valid":
        return Refused(Unauthorized(f"refresh token {verdict}: log in again", code=f"refresh_token_{verdict}"))
    row.used_at = now
    membership = await session.scalar(
        select(Membership).where(
            Membership.account_id == row.account_id,
            Membership.studio_id == row.studio_id,
            Membership.status == "active",
        )
    )
    if membership is None:
        await _revoke_family(session, row.family_id, now)
        return Refused(Unauthorized("your membership of this studio ended: log in again", code="membership_gone"))
    return await issue_tokens(session, settings, membership, family_id=row.family_id, now=now)


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def logout(session: AsyncSession, token: str) -> None:
    """Ends the session of this refresh token (its whole rotation family). Unknown tokens are fine: idempotent."""
    row = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == hash_token(token)))
    if row is not None:
        await _revoke_family(session, row.family_id, utcnow())


async def switch_studio(
    session: AsyncSession, settings: MembersSettings, account_id: uuid.UUID, studio_id: uuid.UUID
) -> TokenPair:
    membership = await session.scalar(
        select(Membership).where(
            Membership.account_id == account_id, Membership.studio_id == studio_id, Membership.status == "active"
        )
    )
    if membership is None:
        raise NotFound("you have no active membership in this studio", code="studio_not_found")
    return await issue_tokens(session, settings, membership)


async def memberships_of(
    session: AsyncSession, account_id: uuid.UUID
) -> tuple[Account, list[tuple[Membership, Studio]]]:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound("account not found", code="account_not_found")
    return account, await _active_memberships(session, account_id)


# --- passwords -----------------------------------------------------------------------------------------------


async def request_password_reset(session: AsyncSession, settings: MembersSettings, email: str, *, ip: str) -> None:
    """Always answered the same way, so the answer does not tell whether the e-mail has an account. Beyond the
    per-account and per-address mail limits nothing is sent, and the answer still does not change."""
    try:
        email = normalize_email(email)
    except DomainError:
        return
    await lock_key(session, f"login:{email}")
    account = await session.scalar(select(Account).where(Account.email == email))
    if account is None:
        return
    memberships = await _active_memberships(session, account.id)
    now = utcnow()
    if not memberships or not await allow_mail(
        session, _password_mail_limits(settings), recipient=email, address=ip, now=now
    ):
        return
    purpose = "reset" if account.password_hash else "set_password"
    _, studio = memberships[0]
    await _send_password_token(
        session, settings, account, purpose=purpose, studio_id=studio.studio_id, studio_name=studio.name,
        now=now,
    )  # fmt: skip


async def set_password_with_token(
    session: AsyncSession, settings: MembersSettings, token: str, new_password: str
) -> Account:
    """Reset or first set a password with an e-mailed token: single use, expiring. All sessions end."""
    now = utcnow()
    row = await session.scalar(
        select(PasswordToken).where(PasswordToken.token_hash == hash_token(token)).with_for_update()
    )
    if row is None:
        raise DomainError(
            code="token_invalid", field="token", message="this link is not valid: ask for a new password e-mail"
        )
    check_one_time_token(used_at=row.used_at, expires_at=row.expires_at, now=now)
    account = await session.get(Account, row.account_id, with_for_update=True)
    assert account is not None
    check_password_strength(new_password, account.email, field="new_password")
    account.password_hash = await hash_password(settings, new_password)
    account.password_changed_at = now
    await _end_sessions_and_links(session, account.id, now)
    await session.execute(delete(LoginFailure).where(LoginFailure.email == account.email))
    return account


async def _end_sessions_and_links(session: AsyncSession, account_id: uuid.UUID, now: datetime) -> None:
    """A new password ends what the old one opened: every refresh token and every outstanding password link of
    the login (a thief's session or a link in a leaked mailbox must not outlive the change)."""
    await session.execute(
        update(PasswordToken)
        .where(PasswordToken.account_id == account_id, PasswordToken.used_at.is_(None))
        .values(used_at=now)
    )
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.account_id == account_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def change_password(
    session: AsyncSession, settings: MembersSettings, *, account_id: uuid.UUID, studio_id: uuid.UUID,
    current_password: str, new_password: str,
) -> TokenPair:  # fmt: skip
    """Every session of the login ends (other devices must log in again); the caller gets a fresh pair for the
    studio of its token, so the device that changed the password stays logged in."""
    account = await session.get(Account, account_id, with_for_update=True)
    if account is None:
        raise NotFound("account not found", code="account_not_found")
    membership = await _active_membership(session, account_id, studio_id)
    matches, _ = await verify_password(settings, current_password, account.password_hash)
    if not matches:
        raise DomainError(code="password_wrong", field="current_password", message="the current password is wrong")
    check_password_strength(new_password, account.email, field="new_password")
    now = utcnow()
    account.password_hash = await hash_password(settings, new_password)
    account.password_changed_at = now
    await _end_sessions_and_links(session, account.id, now)
    return await issue_tokens(session, settings, membership, now=now)


async def _active_membership(session: AsyncSession, account_id: uuid.UUID, studio_id: uuid.UUID) -> Membership:
    """The caller's membership of its token's studio; a token outlives an archive by minutes, not its rights."""
    membership = await session.scalar(
        select(Membership).where(Membership.account_id == account_id, Membership.studio_id == studio_id)
    )
    if membership is None or membership.status != "active":
        raise Forbidden(
            "your membership of this token's studio is not active: log in with a studio where it is",
            code="membership_not_active",
        )
    return membership


async def own_membership(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> Membership:
    return await get_member(session, studio_id, member_id)
