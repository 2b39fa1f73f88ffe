"""Tables of the members service.

Every studio-owned table has `studio_id` and every query filters on it. Three identity tables are the
exception on purpose: an `account` is one person's login across studios, and its password tokens and login
failures belong to that login, not to a studio.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from gymloop_kit.db import make_metadata
from gymloop_kit.mail.limits import define_mail_limit
from gymloop_kit.mail.table import define_mail_outbox
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The service's own metadata (what gymloop_kit.db.declarative_base makes, spelled as a class for mypy)."""

    metadata = make_metadata()


TZ = DateTime(timezone=True)


class Studio(Base):
    __tablename__ = "studio"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    # The public page's address; studios from before migration 0008 get one when an admin chooses it.
    slug: Mapped[str | None] = mapped_column(String(63), unique=True)
    address: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class Account(Base):
    """One login per person: an e-mail address and (once chosen) a password hash."""

    __tablename__ = "account"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(Text)
    password_changed_at: Mapped[datetime | None] = mapped_column(TZ)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class Membership(Base):
    """A person in one studio: their role there and, for members, their profile. Its id is the member id."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("studio_id", "account_id"),
        Index("ix_membership_studio_status", "studio_id", "status"),
    )
    # created_at/updated_at come back with the INSERT/UPDATE (RETURNING), so reading them needs no lazy load.
    __mapper_args__ = {"eager_defaults": True}
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("studio.studio_id"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    is_member: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    birth_date: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(500))
    start_date: Mapped[date] = mapped_column(Date)
    emergency_contact_name: Mapped[str | None] = mapped_column(String(200))
    emergency_contact_phone: Mapped[str | None] = mapped_column(String(40))
    responsible_employee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("membership.id"))
    photo_attachment_id: Mapped[uuid.UUID | None] = mapped_column()
    archive_reason: Mapped[str | None] = mapped_column(String(500))
    archived_at: Mapped[datetime | None] = mapped_column(TZ)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now(), onupdate=func.now())


class RefreshToken(Base):
    """Rotating refresh tokens: each use makes a new one in the same family; a reused one revokes the family."""

    __tablename__ = "refresh_token"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"), index=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("studio.studio_id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(TZ)
    used_at: Mapped[datetime | None] = mapped_column(TZ)
    revoked_at: Mapped[datetime | None] = mapped_column(TZ)


class PasswordToken(Base):
    """A single-use, expiring link to reset or first set a password; only its sha256 is stored."""

    __tablename__ = "password_token"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"), index=True)
    studio_id: Mapped[uuid.UUID | None] = mapped_column()
    purpose: Mapped[str] = mapped_column(String(16))  # "reset" or "set_password"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(TZ)
    used_at: Mapped[datetime | None] = mapped_column(TZ)


class LoginFailure(Base):
    """Failed logins, in the database so throttling holds across processes."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_email_at", "email", "at"), Index("ix_login_failure_ip_at", "ip", "at"))
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(TZ)


class VerificationFailure(Base):
    """A sign-up link followed with a token that is not valid (0010), counted per client address."""

    __tablename__ = "verification_failure"
    __table_args__ = (Index("ix_verification_failure_ip_at", "ip", "at"),)
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(TZ)


class Registration(Base):
    """A person's self-registration at a studio, waiting for the e-mailed link: nothing of it exists as a login or a
    member until the link is followed, so an unverified address can neither log in nor book. Only the token's
    sha256 is stored. The rows also count sign-ups per e-mail and per client address for the rate limit."""

    __tablename__ = "registration"
    __table_args__ = (
        Index("ix_registration_email_at", "email", "created_at"),
        Index("ix_registration_ip_at", "ip", "created_at"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("studio.studio_id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # None when the e-mail already had a login: joining another studio never changes an existing password.
    password_hash: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZ)
    expires_at: Mapped[datetime] = mapped_column(TZ)
    verified_at: Mapped[datetime | None] = mapped_column(TZ)


# Account e-mails wait here for the kit's mail sender (the shape is the kit's: gymloop_kit.mail).
mail_outbox = define_mail_outbox(Base.metadata)
mail_limit = define_mail_limit(Base.metadata)


class Tag(Base):
    __tablename__ = "tag"
    __table_args__ = (UniqueConstraint("studio_id", "name_key"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("studio.studio_id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60))  # lower-cased: "Injury" and "injury" are one tag
    color: Mapped[str | None] = mapped_column(String(16))


class MemberTag(Base):
    __tablename__ = "member_tag"
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True)


class ChecklistTemplate(Base):
    __tablename__ = "checklist_template"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("studio.studio_id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class ChecklistAction(Base):
    __tablename__ = "checklist_action"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_template.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))


class MemberChecklist(Base):
    __tablename__ = "member_checklist"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("membership.id"), index=True)
    # null once the template is deleted: the checklist keeps its own copy of the name and the actions
    template_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("checklist_template.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    assigned_by_account_id: Mapped[uuid.UUID] = mapped_column()
    assigned_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class MemberChecklistItem(Base):
    """One action of an assigned checklist; its title is copied so editing the template leaves history alone."""

    __tablename__ = "member_checklist_item"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    checklist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member_checklist.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    done_at: Mapped[datetime | None] = mapped_column(TZ)
    done_by_account_id: Mapped[uuid.UUID | None] = mapped_column()
    done_by_member_id: Mapped[uuid.UUID | None] = mapped_column()


class Note(Base):
    __tablename__ = "note"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("membership.id"), index=True)
    author_account_id: Mapped[uuid.UUID] = mapped_column()
    author_member_id: Mapped[uuid.UUID | None] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class Attachment(Base):
    """Files are kept in the database: small, capped, and transactional with the rest of the member's data."""

    __tablename__ = "attachment"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("membership.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "document" or "photo"
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_account_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class ImportRowRejection(Base):
    """An import row members refused, and why: a row is refused once (one MemberImportRejected), however often
    the importer's MemberImportRequested for it arrives. Added by migration 0002."""

    __tablename__ = "import_row_rejection"
    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    row_id: Mapped[str] = mapped_column(Text, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    code: Mapped[str] = mapped_column(String(64))
    field: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    rejected_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
