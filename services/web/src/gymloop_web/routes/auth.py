"""Login, logout, studio switch, and the password pages the members service's e-mails link to
(/set-password?token=... for a first login, /reset-password?token=... after "forgot my password")."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gymloop_web.deps import GatewayDep, StaffSession
from gymloop_web.gateway import ApiError, Gateway, apply_tokens
from gymloop_web.rendering import render, replace_session, session_of
from gymloop_web.session import STAFF_ROLES, StudioChoice, WebSession

router = APIRouter()

NOTICES = frozenset({"password_set", "logged_out", "expired"})


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/login")
async def login_page(request: Request, notice: str | None = None) -> Response:
    if session_of(request).is_staff:
        return see_other("/")
    return render(request, "login.html", notice=notice if notice in NOTICES else None, email="", studios=[], error=None)


@router.post("/login")
async def login(
    request: Request,
    gateway: GatewayDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    studio_id: Annotated[str, Form()] = "",
) -> Response:
    def again(error: ApiError | None, studios: list[dict[str, Any]] | None = None, status: int = 400) -> Response:
        return render(request, "login.html", status, notice=None, email=email, studios=studios or [], error=error)

    credentials: dict[str, Any] = {"email": email, "password": password}
    if studio_id:
        credentials["studio_id"] = studio_id
    try:
        answer = await gateway.public("POST", "/api/v1/members/auth/login", json=credentials)
        if answer["status"] == "choose_studio":
            staff = [studio for studio in answer["studios"] if studio["role"] in STAFF_ROLES]
            if not staff:
                return again(_members_only(request))
            if len(staff) > 1:
                return again(ApiError(409, "choose_studio", request.app.state.t("login.choose_studio")), staff, 409)
            credentials["studio_id"] = staff[0]["studio_id"]
            answer = await gateway.public("POST", "/api/v1/members/auth/login", json=credentials)
    except ApiError as error:
        return again(error, status=error.status)
    session = WebSession()
    apply_tokens(session, answer["tokens"])
    if not session.is_staff:
        await revoke(gateway, session)
        return again(_members_only(request), status=403)
    await load_identity(gateway, session)
    replace_session(request, session)
    return see_other("/")


@router.post("/logout")
async def logout(request: Request, gateway: GatewayDep) -> Response:
    await revoke(gateway, session_of(request))
    replace_session(request, WebSession())
    return see_other("/login?notice=logged_out")


@router.post("/switch-studio")
async def switch_studio(
    request: Request, session: StaffSession, gateway: GatewayDep, studio_id: Annotated[str, Form()] = ""
) -> Response:
    if studio_id not in {studio.studio_id for studio in session.other_studios()}:
        return see_other("/")
    tokens = await gateway.call(session, "POST", "/api/v1/members/auth/switch-studio", json={"studio_id": studio_id})
    switched = WebSession()
    apply_tokens(switched, tokens)
    await revoke(gateway, session)  # the old studio's refresh token is of no use any more
    if not switched.is_staff:  # only staff studios are offered, but the role may have changed since
        await revoke(gateway, switched)
        replace_session(request, WebSession())
        return render(request, "login.html", 403, notice=None, email="", studios=[], error=_members_only(request))
    await load_identity(gateway, switched)
    replace_session(request, switched)
    return see_other("/")


@router.get("/forgot-password")
async def forgot_page(request: Request) -> Response:
    return render(request, "forgot.html", sent=False, email="", error=None)


@router.post("/forgot-password")
async def forgot(request: Request, gateway: GatewayDep, email: Annotated[str, Form()] = "") -> Response:
    try:
        await gateway.public("POST", "/api/v1/members/auth/password-reset", json={"email": email})
    except ApiError as error:
        return render(request, "forgot.html", error.status, sent=False, email=email, error=error)
    return render(request, "forgot.html", sent=True, email=email, error=None)


@router.get("/set-password")
@router.get("/reset-password")
async def password_page(request: Request, token: str | None = None) -> Response:
    """The e-mailed link lands here; its token moves into the session and the address bar loses it at once
    (history, screenshots, a Referer are not where a credential belongs)."""
    if token:
        session_of(request).password_token = token[:200]
        return see_other(request.url.path)
    return render(request, "set_password.html", error=None)


@router.post("/set-password")
@router.post("/reset-password")
async def set_password(
    request: Request,
    gateway: GatewayDep,
    new_password: Annotated[str, Form()] = "",
    repeat_password: Annotated[str, Form()] = "",
) -> Response:
    session = session_of(request)
    if not session.password_token:
        return render(request, "set_password.html", 400, error=None)
    if new_password != repeat_password:
        mismatch = request.app.state.t("password.mismatch")
        return render(
            request,
            "set_password.html",
            422,
            error=ApiError(422, "password_mismatch", mismatch, {"repeat_password": mismatch}),
        )
    try:
        await gateway.public(
            "POST",
            "/api/v1/members/auth/set-password",
            json={"token": session.password_token, "new_password": new_password},
        )
    except ApiError as error:
        if "token" in error.fields:  # expired or used: the page then offers a new link
            session.password_token = None
            error.general.append(error.fields.pop("token"))
        return render(request, "set_password.html", error.status, error=error)
    session.password_token = None
    return see_other("/login?notice=password_set")


def _members_only(request: Request) -> ApiError:
    return ApiError(403, "back_office_staff_only", request.app.state.t("login.members_only"))


async def revoke(gateway: Gateway, session: WebSession) -> None:
    """Logs the refresh token out at members (revoking its family); a failure leaves it to expire."""
    if session.refresh_token:
        try:
            await gateway.public("POST", "/api/v1/members/auth/logout", json={"refresh_token": session.refresh_token})
        except Exception:  # logging out locally must work even when the platform does not answer
            return


async def load_identity(gateway: Gateway, session: WebSession, roles: Collection[str] = STAFF_ROLES) -> None:
    """Who the user is and the studios they may switch to (those where their role is one of `roles`: staff for
    the back office, member for the member app)."""
    me = await gateway.call(session, "GET", "/api/v1/members/me")
    session.email = me["email"]
    session.studios = [
        StudioChoice(studio_id=str(m["studio_id"]), studio_name=m["studio_name"], role=m["role"])
        for m in me["memberships"]
        if m["role"] in roles
    ]
    current = next((s for s in me["memberships"] if str(s["studio_id"]) == session.studio_id), None)
    session.studio_name = current["studio_name"] if current else None
