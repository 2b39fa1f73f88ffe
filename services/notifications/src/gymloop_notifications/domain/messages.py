"""Messages from staff to members: subject and body checked per channel before anything is sent."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from gymloop_kit.text import breaking_characters

from gymloop_notifications.domain.audience import Channel
from gymloop_notifications.domain.errors import DomainError, raise_if_any

SUBJECT_MAX_LENGTH = 120
BODY_MAX_LENGTH = {Channel.IN_APP: 2000, Channel.EMAIL: 20000}
_BODY_CONTROL_ALLOWED = {"\n", "\t"}


@dataclass(frozen=True, slots=True)
class MemberMessage:
    channel: Channel
    subject: str
    body: str


def _has_control(text: str, allowed: set[str]) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def compose_message(channel: Channel, subject: str, body: str) -> MemberMessage:
    """Trimmed and validated; every problem reported at once."""
    subject = subject.strip()
    body = body.replace("\r\n", "\n").strip()
    errors: list[DomainError] = []
    if not subject:
        errors.append(DomainError(code="subject_empty", field="subject", message="write a subject"))
    elif len(subject) > SUBJECT_MAX_LENGTH:
        errors.append(
            DomainError(
                code="subject_too_long",
                field="subject",
                message=f"is {len(subject)} characters: shorten it to at most {SUBJECT_MAX_LENGTH}",
            )
        )
    # A line break in a subject would become a forged e-mail header, and U+2028/U+2029 make building the
    # e-mail fail; other control characters render as garbage in the app.
    if found := breaking_characters(subject):
        errors.append(
            DomainError(
                code="subject_control_character",
                field="subject",
                message=f"contains a line break or control character ({', '.join(found)}): "
                "keep the subject on one line",
            )
        )
    max_body = BODY_MAX_LENGTH[channel]
    if not body:
        errors.append(DomainError(code="body_empty", field="body", message="write the message text"))
    elif len(body) > max_body:
        errors.append(
            DomainError(
                code="body_too_long",
                field="body",
                message=f"is {len(body)} characters: shorten it to at most {max_body} for {channel.value}",
            )
        )
    if _has_control(body, _BODY_CONTROL_ALLOWED):
        errors.append(
            DomainError(
                code="body_control_character",
                field="body",
                message="contains a control character: remove it (line breaks and tabs are fine)",
            )
        )
    raise_if_any(errors)
    return MemberMessage(channel=channel, subject=subject, body=body)
