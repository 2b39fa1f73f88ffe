"""Studios: sign-up of a new studio with its first admin, opening another studio, the studio's settings."""

from __future__ import annotations

from fastapi import APIRouter, Request
from gymloop_kit.app import Session
from gymloop_kit.auth import Admin, AnyUser

from gymloop_members.api.deps import settings_of
from gymloop_members.api.schemas import (
    PublicStudioOut,
    StudioCreateRequest,
    StudioOut,
    StudioSignupRequest,
    StudioUpdateRequest,
    TokenOut,
)
from gymloop_members.db.models import Studio
from gymloop_members.service import accounts, registrations, studios

router = APIRouter(tags=["studios"])


def _out(studio: Studio) -> StudioOut:
    return StudioOut(
        studio_id=studio.studio_id, name=studio.name, timezone=studio.timezone, slug=studio.slug,
        address=studio.address,
    )  # fmt: skip


@router.post(
    "/studios/signup",
    operation_id="signUpStudio",
    summary="Create a studio and its first admin (public); answers tokens for the new studio",
    response_model=TokenOut,
    status_code=201,
)
async def signup(body: StudioSignupRequest, request: Request, session: Session) -> TokenOut:
    """Public. Creates the studio, its first admin and their login; answers tokens for the new studio, so the admin
    is logged in at once."""
    data = accounts.StudioSignup(**body.model_dump())
    return TokenOut.of(await accounts.signup_studio(session, settings_of(request), data))


@router.post(
    "/studios",
    summary="Open another studio with the caller as its admin; answers tokens for it",
    response_model=TokenOut,
    status_code=201,
)
async def create_studio(body: StudioCreateRequest, principal: AnyUser, request: Request, session: Session) -> TokenOut:
    """For a logged-in user: opens a new studio with the caller as its admin and answers tokens for it; the caller
    keeps their place in their other studios."""
    pair = await accounts.create_studio(
        session, settings_of(request), account_id=principal.account_id, current_studio_id=principal.studio_id,
        name=body.name, timezone=body.timezone,
    )  # fmt: skip
    return TokenOut.of(pair)


@router.get(
    "/studios/current", operation_id="getCurrentStudio", summary="The studio of this token", response_model=StudioOut
)
async def current_studio(principal: AnyUser, session: Session) -> StudioOut:
    """The name and time zone of the studio the token belongs to; any role may read it."""
    return _out(await studios.get_studio(session, principal.studio_id))


@router.patch(
    "/studios/current",
    summary="Change the studio's name, time zone, public page address (slug) or postal address (admins)",
    response_model=StudioOut,
)
async def update_studio(body: StudioUpdateRequest, principal: Admin, session: Session) -> StudioOut:
    """Admins only. The time zone decides the studio's local days in every service, which follow the change from
    members' events. The slug is the address of the public page (409 `slug_taken` when another studio has it)."""
    return _out(
        await studios.update_studio(
            session, principal.studio_id, name=body.name, timezone=body.timezone, slug=body.slug,
            address=body.address,
        )
    )  # fmt: skip


@router.get(
    "/public/studios/{slug}",
    operation_id="getPublicStudio",
    summary="A studio's public page by its slug: name, address, time zone (no login)",
    response_model=PublicStudioOut,
    responses={404: {"description": "No studio has this slug"}},
)
async def public_studio(slug: str, session: Session) -> PublicStudioOut:
    """Public. What a studio shows to anybody who has its link, to find it and sign up; nothing about its people."""
    studio = await registrations.studio_by_slug(session, slug)
    assert studio.slug is not None  # found by it
    return PublicStudioOut(
        studio_id=studio.studio_id, slug=studio.slug, name=studio.name, address=studio.address,
        timezone=studio.timezone,
    )  # fmt: skip
