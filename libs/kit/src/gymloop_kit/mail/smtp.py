"""The SMTP side of the mail sender (aiosmtplib): one connection per batch, protected as the settings say
(none, STARTTLS or implicit TLS), logged in when a username is set; every failure turned into a clear reason
and a verdict: is it this mail's fault (never send it again) or the server's or the settings' (try later)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.message import EmailMessage

import aiosmtplib

from gymloop_kit.settings import MailSettings, SmtpSecurity


class SmtpUnavailable(Exception):
    """No mail can go through this connection (unreachable, TLS, login, lost): every mail waits for a retry."""


class MailRefused(Exception):
    """The server refused this one mail; `permanent` when it said so with a 5xx answer."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


def _server(settings: MailSettings) -> str:
    return f"{settings.smtp_host}:{settings.smtp_port}"


def _client(settings: MailSettings) -> aiosmtplib.SMTP:
    security = settings.smtp_security
    return aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password.get_secret_value() if settings.smtp_username else None,
        use_tls=security is SmtpSecurity.TLS,
        # False, not None, for "none": aiosmtplib would otherwise upgrade whenever the server offers STARTTLS
        start_tls=security is SmtpSecurity.STARTTLS,
        cert_bundle=settings.smtp_ca_file or None,
        timeout=settings.smtp_timeout_s,
    )


class SmtpConnection:
    def __init__(self, client: aiosmtplib.SMTP, settings: MailSettings) -> None:
        self._client = client
        self._settings = settings

    async def send(self, message: EmailMessage) -> None:
        try:
            await self._client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as error:
            refused = error.recipients[0] if error.recipients else None
            code = refused.code if refused else 550
            text = f"{refused.code} {refused.message}" if refused else "no recipient accepted"
            raise MailRefused(f"the SMTP server refused the recipient: {text}", permanent=code >= 500) from error
        except aiosmtplib.SMTPSenderRefused as error:
            # Refusing the sender refuses every mail (a setting, or a login the server wants): all wait.
            raise SmtpUnavailable(
                f"{_server(self._settings)} refused the sender {error.sender!r}: {error.code} {error.message}"
            ) from error
        except aiosmtplib.SMTPDataError as error:
            raise MailRefused(
                f"the SMTP server refused the mail: {error.code} {error.message}", permanent=error.code >= 500
            ) from error
        except aiosmtplib.SMTPResponseException as error:
            if error.code == 421:  # the server is closing the connection
                raise SmtpUnavailable(f"{_server(self._settings)} closed the connection: {error.message}") from error
            raise MailRefused(f"the SMTP server answered {error.code} {error.message}", permanent=False) from error
        except (aiosmtplib.SMTPException, OSError) as error:  # disconnected, timed out
            raise SmtpUnavailable(f"the connection to {_server(self._settings)} was lost: {error!r}") from error


@asynccontextmanager
async def smtp_connection(settings: MailSettings) -> AsyncIterator[SmtpConnection]:
    """Connect, secure and log in; raises SmtpUnavailable with the reason when that is not possible."""
    client = _client(settings)
    server = _server(settings)
    mode = settings.smtp_security.value
    try:
        await client.connect()
    except aiosmtplib.SMTPAuthenticationError as error:
        raise SmtpUnavailable(
            f"{server} refused the login of {settings.smtp_username!r} (check GYMLOOP_SMTP_USERNAME and "
            f"GYMLOOP_SMTP_PASSWORD): {error.code} {error.message}"
        ) from error
    except aiosmtplib.SMTPResponseException as error:
        raise SmtpUnavailable(f"{server} refused the session: {error.code} {error.message}") from error
    except (aiosmtplib.SMTPException, OSError) as error:
        # aiosmtplib raises TLS failures bare (STARTTLS) or wrapped in SMTPConnectError (implicit TLS)
        tls = error if isinstance(error, ssl.SSLError) else error.__cause__
        if isinstance(tls, ssl.SSLError):
            raise SmtpUnavailable(f"TLS with {server} failed ({mode}): {tls}") from error
        # e.g. refused or timed out, no STARTTLS offered, no AUTH offered
        raise SmtpUnavailable(f"no SMTP session with {server} ({mode}): {error}") from error
    try:
        yield SmtpConnection(client, settings)
    finally:
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()
