"""For tests: a real SMTP server in the test process (aiosmtpd) that can require STARTTLS or implicit TLS
and AUTH (PLAIN, LOGIN), with a throwaway certificate authority (trustme) whose PEM the sender is told to
trust. It can refuse chosen recipients, and run a check while a mail is being received."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from gymloop_devstack.infra import free_port


@dataclass
class Received:
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)  # (mechanism, user) of every accepted AUTH
    refuse_recipients: set[str] = field(default_factory=set)
    # Awaited while a mail's DATA is being received (the sender is waiting for the answer).
    during_data: Callable[[], Awaitable[None]] | None = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802 - aiosmtpd hook
        if address in self.refuse_recipients:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        if self.during_data is not None:
            await self.during_data()
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


class SmtpServer:
    """security: "none", "starttls" (offers and requires STARTTLS) or "tls" (TLS from the first byte);
    with `users`, AUTH with the given mechanisms is offered over TLS (and required, with starttls)."""

    def __init__(
        self,
        directory: Path,
        *,
        security: str = "none",
        users: dict[str, str] | None = None,
        mechanisms: tuple[str, ...] = ("PLAIN", "LOGIN"),
    ) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.received = Received()
        self.ca = trustme.CA()
        self.ca_file = directory / "smtp-test-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(self.host, "localhost").configure_cert(context)
        users = users or {}

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            if not isinstance(data, LoginPassword):
                return AuthResult(success=False, handled=False)
            user, password = data.login.decode(), data.password.decode()
            if users.get(user) != password:
                return AuthResult(success=False, handled=False)
            self.received.logins.append((mechanism, user))
            return AuthResult(success=True)

        options: dict[str, Any] = {}
        if security == "starttls":
            options |= {"tls_context": context, "require_starttls": True}
        elif security == "tls":
            options |= {"ssl_context": context}
        if users:
            options |= {
                "authenticator": authenticate,
                "auth_exclude_mechanism": {"PLAIN", "LOGIN", "CRAM-MD5"} - set(mechanisms),
            }
            if security == "tls":
                # aiosmtpd does not see that the socket is TLS from the start: let it offer AUTH anyway (it
                # would warn on every session if AUTH were also required without TLS it can see)
                options["auth_require_tls"] = False
            else:
                options["auth_required"] = True
        self._controller = Controller(self.received, hostname=self.host, port=self.port, **options)
        self._running = False

    def start(self) -> SmtpServer:
        self._controller.start()
        self._running = True
        return self

    def stop(self) -> None:
        """Idempotent: a test may stop it early to make it unreachable."""
        if self._running:
            self._controller.stop()
            self._running = False
