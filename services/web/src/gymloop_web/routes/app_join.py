"""The member app's way in (under /app): find a studio by its slug, sign up there, confirm the e-mailed link
(members' sign-up mail links to /verify-email?token=...), log in and out. The pages of a logged-in member are in
app_member. Sessions, CSRF and rendering are the back office's (gymloop_web.session, deps, rendering)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from gymloop_web.deps import GatewayDep
from gymloop_web.gateway import ApiError, Gateway, apply_tokens
from gymloop_web.rendering import render, replace_session, session_of
from gymloop_web.routes.auth import load_identity, revoke, see_other
from gymloop_web.session import MEMBER_ROLE, WebSession

router = APIRouter()

# members' slug rule (lower-case letters, digits, hyphens); anything else cannot be a studio's address
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
NOTICES = frozenset({"expired", "logged_out"})
MEMBER_ROLES = (MEMBER_ROLE,)


def _slug_or_none(value: str) -> str | None:
    slug = value.strip().lower()
    return slug if SLUG.match(slug) else None


@router.get("/app/studios")
async def find_studio(request: Request, slug: str = "") -> Response:
    """The "find your studio" form; a slug typed in goes to that studio's page."""
    if slug:
        found = _slug_or_none(slug)
        if found:
            return see_other(f"/app/studios/{found}")
        t = request.app.state.t
        error = ApiError(422, "studio_not_found", "", fields={"slug": t("app.find.not_found")})
        return render(request, "app/find.html", 422, slug=slug, error=error)
    return render(request, "app/find.html", slug="", error=None)


async def _studio_page(
    request: Request, gateway: Gateway, slug: str, form: dict[str, str], error: ApiError | None, status: int
) -> Response:
    t = request.app.state.t
    found = _slug_or_none(slug)
    try:
        page = await gateway.public("GET", f"/api/v1/views/public/studios/{found}") if found else None
    except ApiError as refused:
        if refused.status != 404:
            raise
        page = None
    if page is None:  # the same answer for a slug that is malformed and one that nobody has
        not_found = ApiError(404, "studio_not_found", "", fields={"slug": t("app.find.not_found")})
        return render(request, "app/find.html", 404, slug=slug, error=not_found)
    return render(
        request, "app/studio.html", status, page=page, slug=found, form=form, error=error,
        zone_name=page["studio"].get("timezone"),
    )  # fmt: skip


@router.get("/app/studios/{slug}")
async def studio_page(request: Request, slug: str, gateway: GatewayDep) -> Response:
    """A studio's public page (the gateway's public view): name, address, plans, the week; and the sign-up form."""
    return await _studio_page(request, gateway, slug, {}, None, 200)


@router.post("/app/studios/{slug}/sign-up")
async def sign_up(
    request: Request,
    slug: str,
    gateway: GatewayDep,
    first_name: Annotated[str, Form()] = "",
    last_name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    """members' POST /registrations: the answer is the same whether the e-mail has a login or not."""
    form = {"first_name": first_name, "last_name": last_name, "email": email}
    found = _slug_or_none(slug)
    if found is None:
        return await _studio_page(request, gateway, slug, form, None, 404)
    body = {**form, "slug": found, "password": password}
    try:
        await gateway.public("POST", "/api/v1/members/registrations", json=body)
    except ApiError as error:
        if error.status >= 500:
            raise
        return await _studio_page(request, gateway, found, form, error, error.status)
    return render(request, "app/signed_up.html", email=email)


@router.get("/verify-email")
async def verify_link(request: Request, token: str | None = None) -> Response:
    """Where the sign-up e-mail's link lands: its token moves into the session and the address bar loses it
    (history, screenshots, a Referer are no place for a credential). Following the link changes nothing yet: the
    member confirms with a button (a GET never writes, and a mail scanner that opens links signs nobody up)."""
    if token:
        session_of(request).verify_token = token[:200]
    return see_other("/app/verify")


@router.get("/app/verify")
async def verify_page(request: Request) -> Response:
    return render(request, "app/verify.html", has_token=bool(session_of(request).verify_token), error=None)


@router.post("/app/verify")
async def verify(request: Request, gateway: GatewayDep) -> Response:
    """members' POST /registrations/verify: the person becomes a member and is logged in at that studio."""
    token = session_of(request).verify_token
    if not token:
        return render(request, "app/verify.html", 400, has_token=False, error=None)
    try:
        tokens = await gateway.public("POST", "/api/v1/members/registrations/verify", json={"token": token})
    except ApiError as error:
        if error.status >= 500:
            raise
        session_of(request).verify_token = None  # used, expired or invalid: it will not work a second time
        error.general.extend(error.fields.values())
        error.fields.clear()
        return render(request, "app/verify.html", error.status, has_token=False, error=error)
    return await _logged_in(request, gateway, tokens, notice="welcome")


async def _logged_in(request: Request, gateway: Gateway, tokens: dict[str, Any], notice: str) -> Response:
    session = WebSession()  # a new session: a new CSRF token too
    apply_tokens(session, tokens)
    if not session.is_member:
        await revoke(gateway, session)
        return render(request, "app/login.html", 403, notice=None, email="", studios=[], error=_staff_login(request))
    await load_identity(gateway, session, MEMBER_ROLES)
    replace_session(request, session)
    return see_other(f"/app/?notice={notice}")


@router.get("/app/login")
async def login_page(request: Request, notice: str | None = None) -> Response:
    if session_of(request).is_member:
        return see_other("/app/")
    return render(
        request, "app/login.html", notice=notice if notice in NOTICES else None, email="", studios=[], error=None
    )


@router.post("/app/login")
async def login(
    request: Request,
    gateway: GatewayDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    studio_id: Annotated[str, Form()] = "",
) -> Response:
    """members' POST /auth/login; a login in several studios logs in where it is a member (a choice when it is a
    member of several). A staff login is refused here: the back office is its place."""

    def again(error: ApiError, studios: list[dict[str, Any]] | None = None) -> Response:
        return render(
            request, "app/login.html", error.status, notice=None, email=email, studios=studios or [], error=error
        )

    credentials: dict[str, Any] = {"email": email, "password": password}
    if studio_id:
        credentials["studio_id"] = studio_id
    try:
        answer = await gateway.public("POST", "/api/v1/members/auth/login", json=credentials)
        if answer["status"] == "choose_studio":
            studios = [studio for studio in answer["studios"] if studio["role"] == MEMBER_ROLE]
            if not studios:
                return again(_staff_login(request))
            if len(studios) > 1:
                return again(ApiError(409, "choose_studio", request.app.state.t("app.login.choose_studio")), studios)
            credentials["studio_id"] = studios[0]["studio_id"]
            answer = await gateway.public("POST", "/api/v1/members/auth/login", json=credentials)
    except ApiError as error:
        if error.status >= 500:
            raise
        return again(error)
    return await _logged_in(request, gateway, answer["tokens"], notice="logged_in")


@router.post("/app/logout")
async def logout(request: Request, gateway: GatewayDep) -> Response:
    await revoke(gateway, session_of(request))
    replace_session(request, WebSession())
    return see_other("/app/login?notice=logged_out")


def _staff_login(request: Request) -> ApiError:
    return ApiError(403, "member_app_members_only", request.app.state.t("app.login.staff_only"))
