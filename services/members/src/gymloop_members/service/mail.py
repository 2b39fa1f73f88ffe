"""Account e-mails (first login, password reset), queued in the kit's mail outbox in the transaction that
caused them and sent by the kit's mail sender after commit (gymloop_kit.mail)."""

from __future__ import annotations

import uuid

from gymloop_kit.mail import OutgoingMail, mail_sender_job, queue_mail
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_members.settings import MembersSettings

# The service's background job that drains the mail outbox.
mail_sender = mail_sender_job()


def password_link(settings: MembersSettings, token: str, purpose: str) -> str:
    path = "set-password" if purpose == "set_password" else "reset-password"
    return f"{settings.public_base_url.rstrip('/')}/{path}?token={token}"


async def queue_password_mail(
    session: AsyncSession,
    settings: MembersSettings,
    *,
    to: str,
    token: str,
    purpose: str,
    studio_id: uuid.UUID | None,
    studio_name: str | None = None,
) -> None:
    link = password_link(settings, token, purpose)
    if purpose == "set_password":
        hours = settings.set_password_token_ttl_s // 3600
        subject = f"Choose your password for {studio_name or 'Gymloop'}"
        body = (
            f"Hello,\n\nYou have an account at {studio_name or 'Gymloop'} but no password yet.\n"
            f"Choose one with this link (valid {hours} hours, usable once):\n\n{link}\n\n"
            f"Token: {token}\n\nIf you did not try to log in, you can ignore this e-mail.\n"
        )
    else:
        minutes = settings.reset_token_ttl_s // 60
        subject = "Reset your Gymloop password"
        body = (
            f"Hello,\n\nSomebody asked to reset the password of this account.\n"
            f"Choose a new one with this link (valid {minutes} minutes, usable once):\n\n{link}\n\n"
            f"Token: {token}\n\nIf it was not you, ignore this e-mail: your password stays as it is.\n"
        )
    await queue_mail(session, OutgoingMail(to=to, subject=subject, body=body, studio_id=studio_id))


def verification_link(settings: MembersSettings, token: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/verify-email?token={token}"


async def queue_registration_mail(
    session: AsyncSession,
    settings: MembersSettings,
    *,
    to: str,
    token: str,
    studio_id: uuid.UUID,
    studio_name: str,
    has_login: bool,
) -> None:
    """The link that turns a self-registration into a member of the studio; a person who already has a login
    (another studio) is told that their password stays the one they have."""
    link = verification_link(settings, token)
    hours = settings.registration_token_ttl_s // 3600
    password_note = (
        "You already have a Gymloop login: after confirming, log in with the password you already use.\n"
        if has_login
        else "After confirming, log in with the password you chose.\n"
    )
    body = (
        f"Hello,\n\nSomebody signed up at {studio_name} with this e-mail address.\n"
        f"Confirm it with this link (valid {hours} hours, usable once) to become a member:\n\n{link}\n\n"
        f"Token: {token}\n\n{password_note}\nIf it was not you, ignore this e-mail: nothing happens without the link.\n"
    )
    subject = f"Confirm your e-mail for {studio_name}"
    await queue_mail(session, OutgoingMail(to=to, subject=subject, body=body, studio_id=studio_id))
