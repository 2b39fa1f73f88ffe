"""Notification settings, refresh, dashboards, member overviews and staff actions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from gymloop_kit.app import Session
from gymloop_kit.auth import Admin, Principal, Role, Staff
from gymloop_kit.errors import Forbidden, InvalidInput
from gymloop_kit.http.pagination import Page, Paging, slice_page

from gymloop_notifications.api.schemas import (
    CustomNotificationIn,
    DeletedOut,
    NotificationOut,
    RefreshJobOut,
    SettingsIn,
    SettingsOut,
    SnoozeIn,
)
from gymloop_notifications.db.models import RefreshJob
from gymloop_notifications.service import notifications as use_cases
from gymloop_notifications.service import refresh_jobs
from gymloop_notifications.service.studios import StudioConfig, ensure_studio, update_studio_settings

router = APIRouter(tags=["notifications"])


def _staff_id(principal: Principal) -> uuid.UUID:
    """Employees are people in the members service too: their member record id is their employee id."""
    return principal.member_id or principal.account_id


def _settings_out(config: StudioConfig) -> SettingsOut:
    return SettingsOut(
        time_zone=config.zone.key,
        refresh_at=config.refresh_at,
        next_refresh_at=config.next_refresh_at,
        notifications=config.settings.to_mapping(),
    )


@router.get(
    "/settings",
    operation_id="getNotificationSettings",
    summary="The studio's notification settings",
    response_model=SettingsOut,
)
async def get_settings(principal: Staff, session: Session) -> SettingsOut:
    """Staff only. The settings of each notification kind, the daily refresh time and when the next refresh runs."""
    return _settings_out(await ensure_studio(session, principal.studio_id))


@router.patch(
    "/settings",
    operation_id="updateNotificationSettings",
    summary="Change notification settings (partial; the time zone is set in members and followed from its events)",
    response_model=SettingsOut,
)
async def patch_settings(body: SettingsIn, principal: Admin, session: Session) -> SettingsOut:
    """Admins only. Only the settings sent change; the next refresh uses them (or refresh now)."""
    config = await update_studio_settings(
        session, principal.studio_id, changes=body.notifications, refresh_at=body.refresh_at
    )
    return _settings_out(config)


def _job_out(job: RefreshJob) -> RefreshJobOut:
    return RefreshJobOut.model_validate(job, from_attributes=True)


@router.post(
    "/refresh",
    operation_id="refreshNotifications",
    summary="Refresh notifications now with the latest settings (runs as a job)",
    status_code=202,
    response_model=RefreshJobOut,
)
async def refresh_now(principal: Staff, session: Session, response: Response) -> RefreshJobOut:
    """Staff only. Asks for the studio's notifications to be recomputed now instead of at the daily refresh; answers
    202 with the job at once (`Location`: the job's address). Follow it with GET /refresh-jobs/{job_id}: members
    evaluated of members_total while it runs, the notifications created once it succeeded. Asked again while the
    job has not started, the same job is answered."""
    job = await refresh_jobs.request_refresh(session, principal.studio_id, _staff_id(principal))
    response.headers["Location"] = f"refresh-jobs/{job.job_id}"
    return _job_out(job)


@router.get(
    "/refresh-jobs/{job_id}",
    operation_id="getRefreshJob",
    summary="An on-demand refresh: its status and progress",
    response_model=RefreshJobOut,
)
async def get_refresh_job(job_id: uuid.UUID, principal: Staff, session: Session) -> RefreshJobOut:
    """Staff only. The job's status (queued, running, succeeded, failed), its progress and, once done, its counts;
    another studio's job answers 404 `refresh_job_not_found`."""
    return _job_out(await refresh_jobs.get_job(session, principal.studio_id, job_id))


@router.delete(
    "/notifications",
    operation_id="deleteOpenNotifications",
    summary="Delete all open notifications (custom ones too)",
    response_model=DeletedOut,
)
async def delete_open(
    principal: Admin, session: Session, confirm: Annotated[bool, Query(description="must be true")] = False
) -> DeletedOut:
    """Admins only, and only with confirm=true: deletes every open notification of the studio, custom ones included.
    Answers how many were deleted."""
    if not confirm:
        raise InvalidInput(
            "this deletes every open notification, custom ones included: repeat with confirm=true",
            code="confirmation_required",
            field="confirm",
        )
    return DeletedOut(deleted=await use_cases.delete_open(session, principal.studio_id))


@router.get(
    "/dashboard",
    operation_id="getDashboard",
    summary="Open notifications of the employee's members",
    response_model=Page[NotificationOut],
)
async def dashboard(
    principal: Staff, session: Session, page: Paging, employee_id: Annotated[uuid.UUID | None, Query()] = None
) -> Page[NotificationOut]:
    """Staff only. The open notifications of the members the employee is responsible for (the caller's own by
    default; an admin may name another employee)."""
    me = _staff_id(principal)
    if employee_id is not None and employee_id != me and principal.role < Role.admin:
        raise Forbidden("only an admin may look at a colleague's dashboard", code="role_required")
    config = await ensure_studio(session, principal.studio_id)
    items = await use_cases.dashboard(session, principal.studio_id, employee_id or me, config.today(datetime.now(UTC)))
    shown, total = slice_page(items, page)
    return Page.of([NotificationOut.of(n) for n in shown], total, page)


@router.get(
    "/members/{member_id}/notifications",
    operation_id="listMemberNotifications",
    summary="A member's notifications, whoever is assigned",
    response_model=Page[NotificationOut],
)
async def member_notifications(
    member_id: uuid.UUID, principal: Staff, session: Session, page: Paging, include_done: bool = True
) -> Page[NotificationOut]:
    """Staff only. Every notification about the member, whichever employee it is assigned to; done ones too unless
    include_done=false."""
    items = await use_cases.of_member(session, principal.studio_id, member_id, include_done=include_done)
    shown, total = slice_page(items, page)
    return Page.of([NotificationOut.of(n) for n in shown], total, page)


@router.post(
    "/members/{member_id}/notifications",
    operation_id="createCustomNotification",
    summary="Create a custom notification for a member",
    response_model=NotificationOut,
    status_code=201,
)
async def create_custom(
    member_id: uuid.UUID, body: CustomNotificationIn, principal: Staff, session: Session
) -> NotificationOut:
    """Staff only. A notification written by hand about the member, with a text and a due date, optionally assigned
    to an employee."""
    config = await ensure_studio(session, principal.studio_id)
    created = await use_cases.create_custom(
        session,
        principal.studio_id,
        member_id,
        text=body.text,
        due_date=body.due_date,
        assignee_id=body.assignee_id,
        created_by=_staff_id(principal),
        today=config.today(datetime.now(UTC)),
    )
    return NotificationOut.of(created)


@router.post(
    "/notifications/{notification_id}/done",
    operation_id="markNotificationDone",
    summary="Mark a notification done",
    response_model=NotificationOut,
)
async def mark_done(notification_id: uuid.UUID, principal: Staff, session: Session) -> NotificationOut:
    """Staff only. The notification leaves the dashboards; it stays in the member's history."""
    return NotificationOut.of(
        await use_cases.mark_done(session, principal.studio_id, notification_id, _staff_id(principal))
    )


@router.post(
    "/notifications/{notification_id}/snooze",
    operation_id="snoozeNotification",
    summary="Hide a notification until a date",
    response_model=NotificationOut,
)
async def snooze(notification_id: uuid.UUID, body: SnoozeIn, principal: Staff, session: Session) -> NotificationOut:
    """Staff only. The notification is hidden from the dashboard until the given date (in the studio's time zone)."""
    config = await ensure_studio(session, principal.studio_id)
    snoozed = await use_cases.snooze(
        session, principal.studio_id, notification_id, body.until, config.today(datetime.now(UTC))
    )
    return NotificationOut.of(snoozed)
