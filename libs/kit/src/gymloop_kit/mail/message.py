"""Building the e-mail of one outbox row. Pure: a row that cannot become a well-formed e-mail raises
`InvalidMail` with the reason, and the sender marks that mail failed instead of sending it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from email import policy
from email.errors import MessageError
from email.headerregistry import AddressHeader
from email.message import EmailMessage
from email.utils import format_datetime

# RFC 5322 field names: printable ASCII except the colon.
FIELD_NAME = re.compile(r"[!-9;-~]+")
# Set by the kit, or would change who receives the mail: never taken from a row's extra headers.
RESERVED = frozenset({"from", "to", "cc", "bcc", "subject", "sender", "date", "message-id"})


class InvalidMail(ValueError):
    """The row cannot be sent as it is; sending it again would fail the same way."""


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    headers: Mapping[str, str],
    message_id: str,
    date: datetime,
) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    _set(message, "From", sender)
    _set(message, "To", to)
    _set(message, "Subject", subject)
    _set(message, "Date", format_datetime(date))
    _set(message, "Message-ID", message_id)
    for name, value in headers.items():
        if not FIELD_NAME.fullmatch(name):
            raise InvalidMail(f"extra header name {name!r} is not a valid field name")
        if name.lower() in RESERVED or name.lower().startswith("resent-"):
            raise InvalidMail(f"extra header {name!r} is set by the mail sender and may not be given")
        _set(message, name, value)
    for name in ("From", "To"):
        _one_address(message, name)
    try:
        message.set_content(body)
        message.as_bytes()  # what the SMTP client will send: fail here, for this mail only
    except (ValueError, MessageError) as error:
        raise InvalidMail(f"the e-mail cannot be encoded: {error}") from error
    return message


def _set(message: EmailMessage, name: str, value: str) -> None:
    if not isinstance(value, str):
        raise InvalidMail(f"{name} header is {type(value).__name__}, not text")
    try:
        message[name] = value
    except (ValueError, MessageError) as error:
        # e.g. "Header values may not contain linefeed or carriage return characters" for \n or U+2028
        raise InvalidMail(f"{name} header {value!r} cannot be built: {error}") from error


def _one_address(message: EmailMessage, name: str) -> None:
    header = message[name]
    addresses = header.addresses if isinstance(header, AddressHeader) else ()
    if header.defects or len(addresses) != 1 or not addresses[0].domain:
        raise InvalidMail(f"{name} header {str(header)!r} is not exactly one e-mail address")
