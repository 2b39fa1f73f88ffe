"""Login, refresh, logout, studio switch, password reset and first-login password, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from gymloop_kit.app import Session
from gymloop_kit.auth import AnyUser
from gymloop_kit.http.forwarded import client_address
from gymloop_kit.http.problems import error_response

from gymloop_members.api.deps import database_of, settings_of
from gymloop_members.api.schemas import (
    Accepted,
    ChangePasswordRequest,
    LoginRequest,
    LoginResponse,
    MembershipOut,
    MeOut,
    RefreshRequest,
    ResetRequest,
    SetPasswordRequest,
    StudioChoiceOut,
    SwitchStudioRequest,
    TokenOut,
)
from gymloop_members.service import accounts

router = APIRouter(tags=["auth"])


def _client_ip(request: Request) -> str:
    return (client_address(request) or "unknown")[:64]  # the throttle tables' column width


@router.post(
    "/auth/login",
    summary="Log in with e-mail and password",
    response_model=LoginResponse,
    responses={
        401: {
            "description": "Login failed, with one answer whatever failed (unknown e-mail, wrong password, no password"
            " chosen yet: then a set-password e-mail went out, archived login)"
        },
        429: {"description": "Too many failed logins for this account or address; see Retry-After"},
    },
)
async def login(body: LoginRequest, request: Request) -> LoginResponse | JSONResponse:
    """Public. Answers an access and a refresh token; a login in several studios without `studio_id` answers
    `choose_studio` with the studios to pick from. Every failed login gets the same 401, whatever failed (a login
    without a password yet is also sent an e-mail to choose one); failed attempts are counted, and too many answer
    429 with Retry-After."""
    settings = settings_of(request)
    # Not the per-request Session: a failed attempt must be counted (committed) even though the answer is an error.
    async with database_of(request).transaction() as session:
        outcome = await accounts.login(
            session, settings, email=body.email, password=body.password, studio_id=body.studio_id,
            ip=_client_ip(request),
        )  # fmt: skip
    if isinstance(outcome, accounts.Refused):
        return error_response(outcome.error)  # Retry-After included when throttled
    if isinstance(outcome, accounts.ChooseStudio):
        return LoginResponse(
            status="choose_studio",
            studios=[StudioChoiceOut(studio_id=s.studio_id, name=s.name, role=s.role) for s in outcome.studios],
            message="this login belongs to several studios: log in again with one of these studio_id",
        )
    return LoginResponse(status="authenticated", tokens=TokenOut.of(outcome))


@router.post(
    "/auth/refresh",
    summary="Trade a refresh token for a new access and refresh token (rotation)",
    response_model=TokenOut,
    responses={401: {"description": "Unknown, expired, revoked or reused refresh token"}},
)
async def refresh(body: RefreshRequest, request: Request) -> TokenOut | JSONResponse:
    """Public (the refresh token is the credential). The old refresh token stops working; presenting a used one again
    revokes its whole family, so a stolen copy is useless."""
    async with database_of(request).transaction() as session:
        outcome = await accounts.refresh(session, settings_of(request), body.refresh_token)
    if isinstance(outcome, accounts.Refused):
        # The family revocation of a reused token is committed above, before this refusal.
        return error_response(outcome.error)
    return TokenOut.of(outcome)


@router.post("/auth/logout", summary="End the session of a refresh token", status_code=204)
async def logout(body: RefreshRequest, session: Session) -> Response:
    """Public (the refresh token in the body is the credential): revokes it and its whole rotation family, so none
    can be traded for tokens any more; an unknown token is fine. Access tokens already issued stay valid until
    they expire."""
    await accounts.logout(session, body.refresh_token)
    return Response(status_code=204)


@router.post("/auth/switch-studio", summary="Get tokens for another studio of the same login", response_model=TokenOut)
async def switch_studio(body: SwitchStudioRequest, principal: AnyUser, request: Request, session: Session) -> TokenOut:
    """For a login that belongs to several studios: new tokens whose studio and role are those of the studio asked
    for; 404 when the login has no active membership there."""
    return TokenOut.of(
        await accounts.switch_studio(session, settings_of(request), principal.account_id, body.studio_id)
    )


@router.post(
    "/auth/password-reset",
    operation_id="requestPasswordReset",
    summary="Ask for a password e-mail (the answer is the same whether the e-mail has a login or not)",
    response_model=Accepted,
    status_code=202,
)
async def request_reset(body: ResetRequest, request: Request, session: Session) -> Accepted:
    """Public. Sends an e-mail with a link to choose a password when the address has a login; the answer is the same
    either way, so it tells nobody which addresses exist."""
    await accounts.request_password_reset(session, settings_of(request), body.email, ip=_client_ip(request))
    return Accepted(
        status="accepted",
        message="if this e-mail has a login, a link to choose a password is on its way: look in your inbox",
    )


@router.post(
    "/auth/set-password",
    summary="Choose a new password with the token of a reset or first-login e-mail",
    status_code=204,
)
async def set_password(body: SetPasswordRequest, request: Request, session: Session) -> Response:
    """Public (the e-mailed token is the credential); the new password must meet the password rules."""
    await accounts.set_password_with_token(session, settings_of(request), body.token, body.new_password)
    return Response(status_code=204)


@router.post(
    "/auth/change-password",
    summary="Change the password, knowing the current one; ends every session and answers new tokens",
    response_model=TokenOut,
)
async def change_password(
    body: ChangePasswordRequest, principal: AnyUser, request: Request, session: Session
) -> TokenOut:
    """For the logged-in user: the current password must be right (422 `password_wrong` otherwise) and the new one
    must meet the password rules. Every session of the login ends (its refresh tokens stop working); the answer
    is new tokens for this one."""
    pair = await accounts.change_password(
        session, settings_of(request), account_id=principal.account_id, studio_id=principal.studio_id,
        current_password=body.current_password, new_password=body.new_password,
    )  # fmt: skip
    return TokenOut.of(pair)


@router.get(
    "/me",
    operation_id="getMe",
    summary="Who am I: the login, this token's studio and role, and all my studios",
    response_model=MeOut,
)
async def me(principal: AnyUser, session: Session) -> MeOut:
    """The login's e-mail, the studio and role of this token, and every studio the login belongs to with its role
    there (to offer a studio switch)."""
    account, memberships = await accounts.memberships_of(session, principal.account_id)
    return MeOut(
        account_id=account.id,
        email=account.email,
        studio_id=principal.studio_id,
        role=principal.role.name,
        member_id=principal.member_id,
        memberships=[
            MembershipOut(studio_id=s.studio_id, studio_name=s.name, member_id=m.id, role=m.role)
            for m, s in memberships
        ],
    )
