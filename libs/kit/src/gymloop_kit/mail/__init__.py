"""E-mail for every service: a mail outbox table, queued in the caller's transaction, and one background
sender that talks SMTP (login, STARTTLS or implicit TLS) outside any transaction. Settings: MailSettings."""

from gymloop_kit.mail.message import InvalidMail, build_message
from gymloop_kit.mail.outbox import OutgoingMail, queue_mail, queue_mails
from gymloop_kit.mail.sender import MailResult, MailSender, OnSettled, mail_sender_job
from gymloop_kit.mail.table import MailStatus, mail_outbox

__all__ = [
    "InvalidMail",
    "MailResult",
    "MailSender",
    "MailStatus",
    "OnSettled",
    "OutgoingMail",
    "build_message",
    "mail_outbox",
    "mail_sender_job",
    "queue_mail",
    "queue_mails",
]
