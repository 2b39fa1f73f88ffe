"""The importer's own tables: import jobs and their rows (the saga state), and read models fed by events."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from gymloop_kit.db import make_metadata
from sqlalchemy import Date, DateTime, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The importer's own metadata (what gymloop_kit.db.declarative_base makes, spelled so mypy sees a class)."""

    metadata = make_metadata()


class ImportJob(Base):
    """One uploaded file. Its log (validated rows and errors) is kept until the studio deletes the job. The file
    itself is kept only while it is validated (deferred: never loaded with the job otherwise)."""

    __tablename__ = "import_job"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    created_by: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    file_name: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # validating | rejected | running | completed
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    same_as_job_id: Mapped[uuid.UUID | None]
    rows_total: Mapped[int]
    validated: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    upload: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # validation's progress: member rows found in the file, and how many of them are checked
    rows_read: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_validated: Mapped[int] = mapped_column(default=0, server_default="0")
    # the validation worker's sign of life while it validates (gymloop_kit.job_queue)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_import_job_studio_fingerprint", "studio_id", "fingerprint"),
        Index("ix_import_job_validating", "created_at", postgresql_where=text("status = 'validating'")),
    )


class ImportRowState(Base):
    """One row of a running import, followed until members (and billing, with a subscription) confirm or
    refuse it. `status` is what domain.row_progress decides from the answers (pending | done | failed)."""

    __tablename__ = "import_row"

    row_id: Mapped[str] = mapped_column(Text, primary_key=True)  # "<job id>:<row number>"
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("import_job.id", ondelete="CASCADE"), index=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    row_number: Mapped[int]
    email: Mapped[str] = mapped_column(Text)
    full_name: Mapped[str] = mapped_column(Text)
    plan_name: Mapped[str | None] = mapped_column(Text)
    subscription_start: Mapped[date | None] = mapped_column(Date)
    member_outcome: Mapped[str | None] = mapped_column(String(16))  # created | updated
    member_id: Mapped[uuid.UUID | None]
    subscription_done: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    # A service's refusal of its part: {"refused_by", "code", "field", "message"}.
    member_rejection: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    subscription_rejection: Mapped[dict[str, Any] | None] = mapped_column(JSONB)

    # "is any row of this job still pending?" after every answer: only the pending rows are in it
    __table_args__ = (Index("ix_import_row_job_pending", "job_id", postgresql_where=text("status = 'pending'")),)


class PlanView(Base):
    """Plans of each studio, from billing's PlanPublished (newest sequence wins)."""

    __tablename__ = "plan_view"

    plan_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    price_cents: Mapped[int]
    visible: Mapped[bool]
    active: Mapped[bool]


class MemberView(Base):
    """Members and employees of each studio, from MemberRegistered/MemberUpdated (for dry runs and for
    checking responsible employees)."""

    __tablename__ = "member_view"

    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID] = mapped_column(index=True)
    email: Mapped[str] = mapped_column(Text)
    email_key: Mapped[str] = mapped_column(Text)  # lower-cased, for matching rows by e-mail
    first_name: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    birth_date: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date] = mapped_column(Date)
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    responsible_employee_id: Mapped[uuid.UUID | None]
    tags: Mapped[list[str]] = mapped_column(JSONB)

    __table_args__ = (Index("ix_member_view_studio_email", "studio_id", "email_key"),)


class StudioCollection(Base):
    """How a studio collects payments, as billing announces it (BillingSettingsChanged, newest wins).
    No row: billing has not announced it yet."""

    __tablename__ = "studio_collection"

    studio_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    collection_method: Mapped[str] = mapped_column(String(16))


class ExportJob(Base):
    """One studio export an admin started: its progress over the services' datasets, then the ZIP itself
    (deferred: listing exports never loads the archives)."""

    __tablename__ = "export_job"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    studio_id: Mapped[uuid.UUID]
    created_by: Mapped[uuid.UUID]
    status: Mapped[str] = mapped_column(String(16))  # queued | running | completed | failed | expired
    datasets_total: Mapped[int] = mapped_column(default=0, server_default="0")
    datasets_done: Mapped[int] = mapped_column(default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archive: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # The admin's access token, which the job reads the services with; kept only until the job has ended.
    access_token: Mapped[str | None] = mapped_column(Text, deferred=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_export_job_studio_created", "studio_id", "created_at"),
        Index("ix_export_job_waiting", "created_at", postgresql_where=text("status IN ('queued', 'running')")),
    )
