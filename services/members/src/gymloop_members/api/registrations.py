"""Self-registration at a studio found by its slug, and the e-mailed link that makes the person a member."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from gymloop_kit.app import Session
from gymloop_kit.http.problems import error_response

from gymloop_members.api.deps import client_ip, database_of, settings_of
from gymloop_members.api.schemas import Accepted, RegistrationRequest, TokenOut, VerifyEmailRequest
from gymloop_members.service import registrations
from gymloop_members.service.accounts import Refused

router = APIRouter(tags=["registration"])


@router.post(
    "/registrations",
    operation_id="signUpMember",
    summary="Sign up as a member of a studio (public); a confirmation link goes to the e-mail",
    response_model=Accepted,
    status_code=202,
    responses={
        404: {"description": "No studio has this slug"},
        429: {"description": "Too many sign-ups from this address; see Retry-After"},
    },
)
async def sign_up(body: RegistrationRequest, request: Request, session: Session) -> Accepted:
    """Public. Checks the names and the password rules, then e-mails a link to confirm the address; the answer is
    the same whether the e-mail already has a login (at another studio: the person joins with it and keeps its
    password) or not, so it tells nobody who is a member anywhere. Nothing can log in or book before the link is
    followed."""
    await registrations.sign_up(
        session, settings_of(request), slug=body.slug, email=body.email, password=body.password,
        first_name=body.first_name, last_name=body.last_name, ip=client_ip(request),
    )  # fmt: skip
    return Accepted(status="accepted", message="look in your inbox: follow the link in the e-mail to become a member")


@router.post(
    "/registrations/verify",
    operation_id="verifyMemberEmail",
    summary="Confirm a sign-up with the e-mailed token: become a member and get tokens (public)",
    response_model=TokenOut,
)
async def verify(body: VerifyEmailRequest, request: Request) -> TokenOut | JSONResponse:
    """Public (the e-mailed token is the credential, usable once). The person becomes a member of the studio they
    signed up at and is logged in there; 422 `token_invalid`, `token_used` or `token_expired` otherwise. Too many
    links that are not valid from one client address answer 429 `verification_throttled` with Retry-After."""
    # Not the per-request Session: a refused link must be counted (committed) although the answer is an error.
    async with database_of(request).transaction() as session:
        outcome = await registrations.verify(session, settings_of(request), body.token, ip=client_ip(request))
    if isinstance(outcome, Refused):
        return error_response(outcome.error)
    return TokenOut.of(outcome)
