"""The member app's pages for a logged-in member (under /app): home, the agenda with book / sign out / waitlist
(credits before and after and the late-cancel rule shown before confirming), my bookings, my membership and its
user log, my inbox with the studio's info posts, and my calendar link. All through the gateway's API with the
member's own token: the API decides what a member may do, the pages only show it."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from gymloop_web.deps import GatewayDep, MemberSession
from gymloop_web.display import parse_day, studio_zone
from gymloop_web.gateway import ApiError, Gateway, items_of
from gymloop_web.reads import optional
from gymloop_web.rendering import render, session_of
from gymloop_web.routes.auth import see_other
from gymloop_web.session import WebSession

router = APIRouter()

AGENDA_DAYS = 7
BOOKINGS_READ = 200  # the latest this many bookings (by session start) hold every upcoming one
LOG_PAGE = 20
INBOX_PAGE = 20
HOME_NOTICES = frozenset({"welcome", "logged_in"})
MEMBERSHIP_NOTICES = frozenset({"plan_chosen", "iban_changed"})
SESSION_NOTICES = frozenset({"booked", "waitlisted", "signed_out", "late_signed_out", "left_waitlist"})
ACTIONS = ("book", "waitlist", "sign-out", "leave-waitlist")


@dataclass(frozen=True)
class Rules:
    """The studio's booking rules as a member needs them, from bookings' settings."""

    zone: ZoneInfo
    cancellation_cutoff: timedelta
    late_cancel_forfeits: bool
    waitlist_enabled: bool
    waitlist_cutoff: timedelta

    @classmethod
    def of(cls, settings: Any) -> Rules:
        known = settings if isinstance(settings, dict) else {}
        return cls(
            zone=studio_zone(known.get("time_zone")),
            cancellation_cutoff=timedelta(minutes=int(known.get("cancellation_cutoff_minutes", 120))),
            late_cancel_forfeits=bool(known.get("late_cancel_forfeits", True)),
            waitlist_enabled=bool(known.get("waitlist_enabled", True)),
            waitlist_cutoff=timedelta(minutes=int(known.get("waitlist_cutoff_minutes", 60))),
        )


async def rules_of(gateway: Gateway, session: WebSession) -> Rules:
    return Rules.of(await optional(gateway, session, "/api/v1/bookings/settings"))


def _now() -> datetime:
    return datetime.now(UTC)


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def latest_bookings(gateway: Gateway, session: WebSession) -> list[dict[str, Any]]:
    """The member's latest bookings by session start (the list is oldest first): every upcoming one among them."""
    path = f"/api/v1/bookings/members/{session.member_id}/bookings"
    first = await gateway.call(session, "GET", path, params={"limit": BOOKINGS_READ})
    total = int(first.get("total", 0)) if isinstance(first, dict) else 0
    if total <= BOOKINGS_READ:
        return items_of(first)
    last = await gateway.call(session, "GET", path, params={"limit": BOOKINGS_READ, "offset": total - BOOKINGS_READ})
    return items_of(last)


async def account_of(gateway: Gateway, session: WebSession) -> dict[str, Any]:
    account = await gateway.call(session, "GET", f"/api/v1/bookings/members/{session.member_id}/account")
    return account if isinstance(account, dict) else {}


def covered_without_credit(account: dict[str, Any], day: date | None) -> bool:
    """Whether an unlimited plan valid on the session's day covers it (no credit is taken then)."""
    for entitlement in account.get("entitlements", []):
        if entitlement.get("kind") != "unlimited" or entitlement.get("ended_on") or day is None:
            continue
        starts, until = entitlement.get("valid_from"), entitlement.get("valid_until")
        if (not starts or date.fromisoformat(starts) <= day) and (not until or day <= date.fromisoformat(until)):
            return True
    return False


async def _session_names(gateway: Gateway, session: WebSession, first: date, days: int) -> dict[str, dict[str, Any]]:
    """Agenda entries by session id (name, coach, location) for `days` days from `first`."""
    agenda = await optional(gateway, session, "/api/v1/bookings/agenda", day=first.isoformat(), days=days)
    return {s["id"]: s for d in items_of(agenda) for s in d.get("sessions", [])}


@router.get("/app")
@router.get("/app/")
async def home(request: Request, gateway: GatewayDep, notice: str | None = None) -> Response:
    """For a member: credits, the next sign-ups and unread messages; for anyone else: find a studio, or log in."""
    session = session_of(request)
    if not session.is_member:
        return render(request, "app/landing.html")
    rules = await rules_of(gateway, session)
    account, bookings, inbox = await asyncio.gather(
        account_of(gateway, session),
        latest_bookings(gateway, session),
        optional(gateway, session, "/api/v1/notifications/me/inbox", limit=INBOX_PAGE),
    )
    now = _now()
    upcoming = [b for b in bookings if b["status"] == "active" and _instant(b["session_starts_at"]) > now]
    today = now.astimezone(rules.zone).date()
    names = await _session_names(gateway, session, today, 31) if upcoming else {}
    return render(
        request,
        "app/home.html",
        notice=notice if notice in HOME_NOTICES else None,
        account=account,
        upcoming=upcoming[:3],
        names=names,
        unread=sum(1 for m in items_of(inbox) if not m.get("read_at")),
        zone=rules.zone,
    )


@router.get("/app/agenda")
async def agenda(request: Request, session: MemberSession, gateway: GatewayDep, day: str = "") -> Response:
    rules = await rules_of(gateway, session)
    today = _now().astimezone(rules.zone).date()
    first = max(parse_day(day, today), today)  # a member books what is to come
    days, bookings, waitlist = await asyncio.gather(
        gateway.call(session, "GET", "/api/v1/bookings/agenda", params={"day": first.isoformat(), "days": AGENDA_DAYS}),
        latest_bookings(gateway, session),
        gateway.call(session, "GET", f"/api/v1/bookings/members/{session.member_id}/waitlist"),
    )
    booked = {b["session_id"] for b in bookings if b["status"] == "active"}
    waiting = {w["session_id"]: w["position"] for w in items_of(waitlist)}
    step = timedelta(days=AGENDA_DAYS)
    return render(
        request,
        "app/agenda.html",
        days=items_of(days),
        zone=rules.zone,
        first=first,
        previous=(first - step).isoformat() if first - step >= today else None,
        next=(first + step).isoformat(),
        booked=booked,
        waiting=waiting,
    )


async def _session_page(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    session_id: uuid.UUID,
    *,
    confirm: str | None = None,
    error: ApiError | None = None,
    status_code: int = 200,
) -> Response:
    rules = await rules_of(gateway, session)
    details, account, bookings, waitlist = await asyncio.gather(
        gateway.call(session, "GET", f"/api/v1/bookings/sessions/{session_id}"),
        account_of(gateway, session),
        latest_bookings(gateway, session),
        gateway.call(session, "GET", f"/api/v1/bookings/members/{session.member_id}/waitlist"),
    )
    starts_at = _instant(details["starts_at"])
    day = starts_at.astimezone(rules.zone).date()
    entry = (await _session_names(gateway, session, day, 1)).get(str(session_id), {})
    now = _now()
    mine = next((b for b in bookings if b["session_id"] == str(session_id) and b["status"] == "active"), None)
    place = next((w["position"] for w in items_of(waitlist) if w["session_id"] == str(session_id)), None)
    deadline = starts_at - rules.cancellation_cutoff
    if details["status"] != "scheduled" or starts_at <= now:
        state = "closed"
    elif mine is not None:
        state = "booked"
    elif place is not None:
        state = "waiting"
    elif (details.get("free_places") or 0) > 0:
        state = "open"
    elif rules.waitlist_enabled and now <= starts_at - rules.waitlist_cutoff:
        state = "full"
    else:
        state = "closed"
    allowed = {"open": "book", "full": "waitlist", "booked": "sign-out", "waiting": "leave-waitlist"}.get(state)
    done = request.query_params.get("done")
    return render(
        request,
        "app/session.html",
        status_code,
        s={**details, **entry},
        zone=rules.zone,
        rules=rules,
        state=state,
        place=place,
        booking=mine,
        credits=account.get("credits_left"),
        covered=covered_without_credit(account, day),
        deadline=deadline,
        late_now=now > deadline,
        confirm=confirm if confirm == allowed else None,
        idempotency_key=str(uuid.uuid4()),
        notice=done if done in SESSION_NOTICES else None,
        error=error,
    )


@router.get("/app/sessions/{session_id}")
async def session_detail(
    request: Request, session_id: uuid.UUID, session: MemberSession, gateway: GatewayDep
) -> Response:
    return await _session_page(request, session, gateway, session_id)


@router.get("/app/sessions/{session_id}/{action}")
async def confirm_action(
    request: Request, session_id: uuid.UUID, action: str, session: MemberSession, gateway: GatewayDep
) -> Response:
    """The step before an action: what it does to my credits and what the late-cancel rule says, then Confirm."""
    if action not in ACTIONS:
        return see_other(f"/app/sessions/{session_id}")
    return await _session_page(request, session, gateway, session_id, confirm=action)


def _uuid_or_none(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


@router.post("/app/sessions/{session_id}/{action}")
async def act(
    request: Request,
    session_id: uuid.UUID,
    action: str,
    session: MemberSession,
    gateway: GatewayDep,
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    """Book (a full session puts me on its waitlist), join the waitlist, sign out, leave the waitlist: bookings'
    routes, for myself (no member_id: the token says who)."""
    base = f"/api/v1/bookings/sessions/{session_id}"
    try:
        if action in ("book", "waitlist"):
            key = _uuid_or_none(idempotency_key)  # the confirm form's: a double tap books once
            answer = await gateway.call(
                session, "POST", f"{base}/bookings", json={}, headers={"Idempotency-Key": key} if key else None
            )
            done = "waitlisted" if isinstance(answer, dict) and answer.get("outcome") == "waitlisted" else "booked"
        elif action == "sign-out":
            answer = await gateway.call(session, "DELETE", f"{base}/bookings/{session.member_id}")
            done = "late_signed_out" if isinstance(answer, dict) and answer.get("late") else "signed_out"
        elif action == "leave-waitlist":
            await gateway.call(session, "DELETE", f"{base}/waitlist/{session.member_id}")
            done = "left_waitlist"
        else:
            return see_other(f"/app/sessions/{session_id}")
    except ApiError as error:
        if error.status >= 500 or error.status in (401, 403):
            raise
        error.general.extend(error.fields.values())  # the refusal is about the session: say it at the top
        error.fields.clear()
        return await _session_page(request, session, gateway, session_id, error=error, status_code=error.status)
    return see_other(f"/app/sessions/{session_id}?done={done}")


@router.get("/app/bookings")
async def my_bookings(request: Request, session: MemberSession, gateway: GatewayDep) -> Response:
    rules = await rules_of(gateway, session)
    today = _now().astimezone(rules.zone).date()
    bookings, waitlist, coming, past = await asyncio.gather(
        latest_bookings(gateway, session),
        gateway.call(session, "GET", f"/api/v1/bookings/members/{session.member_id}/waitlist"),
        _session_names(gateway, session, today, 31),
        _session_names(gateway, session, today - timedelta(days=30), 30),
    )
    now = _now()
    upcoming = [b for b in bookings if b["status"] == "active" and _instant(b["session_starts_at"]) > now]
    earlier = [b for b in reversed(bookings) if b not in upcoming][:LOG_PAGE]
    return render(
        request,
        "app/bookings.html",
        upcoming=upcoming,
        earlier=earlier,
        waitlist=items_of(waitlist),
        names={**past, **coming},
        zone=rules.zone,
    )


@router.get("/app/membership")
async def membership(
    request: Request, session: MemberSession, gateway: GatewayDep, log_offset: int = -1, notice: str | None = None
) -> Response:
    """My plans (billing), my credits and their validity (bookings), and my user log, the latest entries first."""
    rules = await rules_of(gateway, session)
    log_path = f"/api/v1/bookings/members/{session.member_id}/log"
    billing, mandate, account, log = await asyncio.gather(
        optional(gateway, session, f"/api/v1/billing/members/{session.member_id}/billing", limit=10),
        optional(gateway, session, f"/api/v1/billing/members/{session.member_id}/mandate"),  # None: no SEPA mandate
        account_of(gateway, session),
        gateway.call(session, "GET", log_path, params={"limit": LOG_PAGE, "offset": max(log_offset, 0)}),
    )
    total = int(log.get("total", 0))
    if log_offset < 0 and total > LOG_PAGE:  # the log is oldest first: open it at its newest page
        log_offset = total - LOG_PAGE
        log = await gateway.call(session, "GET", log_path, params={"limit": LOG_PAGE, "offset": log_offset})
    log_offset = max(log_offset, 0)
    return render(
        request,
        "app/membership.html",
        notice=notice if notice in MEMBERSHIP_NOTICES else None,
        billing=billing,
        mandate=mandate,
        account=account,
        log=list(reversed(items_of(log))),
        log_total=total,
        older=max(log_offset - LOG_PAGE, 0) if log_offset > 0 else None,
        newer=log_offset + LOG_PAGE if log_offset + LOG_PAGE < total else None,
        zone=rules.zone,
    )


@router.get("/app/inbox")
async def inbox(request: Request, session: MemberSession, gateway: GatewayDep) -> Response:
    rules = await rules_of(gateway, session)
    messages, posts = await asyncio.gather(
        gateway.call(session, "GET", "/api/v1/notifications/me/inbox", params={"limit": INBOX_PAGE}),
        optional(gateway, session, "/api/v1/notifications/info-posts", limit=INBOX_PAGE),
    )
    return render(
        request, "app/inbox.html", messages=items_of(messages), posts=items_of(posts), zone=rules.zone,
        posts_unavailable=posts is None,
    )  # fmt: skip


@router.post("/app/inbox/{message_id}/read")
async def mark_read(request: Request, message_id: uuid.UUID, session: MemberSession, gateway: GatewayDep) -> Response:
    await gateway.call(session, "POST", f"/api/v1/notifications/me/inbox/{message_id}/read")
    return see_other("/app/inbox")


def absolute_url(request: Request, path: str) -> str:
    """The feed's address as the browser reaches this site (through the gateway: its X-Forwarded-Host)."""
    host = request.headers.get("x-forwarded-host") or request.headers.get("host", "")
    return f"{request.url.scheme}://{host}{path}"


@router.get("/app/calendar")
async def calendar(request: Request, session: MemberSession) -> Response:
    revoked = request.query_params.get("done") == "revoked"
    return render(request, "app/calendar.html", url=None, webcal=None, revoked=revoked)


@router.post("/app/calendar")
async def new_calendar_link(request: Request, session: MemberSession, gateway: GatewayDep) -> Response:
    """A new secret feed address (the previous one stops working); shown on this answer only, as the API does."""
    made = await gateway.call(session, "POST", f"/api/v1/bookings/members/{session.member_id}/calendar-feed")
    url = absolute_url(request, str(made["url"]))
    return render(request, "app/calendar.html", url=url, webcal="webcal://" + url.split("://", 1)[1], revoked=False)


@router.post("/app/calendar/revoke")
async def revoke_calendar_link(request: Request, session: MemberSession, gateway: GatewayDep) -> Response:
    await gateway.call(session, "DELETE", f"/api/v1/bookings/members/{session.member_id}/calendar-feed")
    return see_other("/app/calendar?done=revoked")
