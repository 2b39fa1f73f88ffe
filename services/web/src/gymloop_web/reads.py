"""Reads several pages share (the studio's time zone, a read whose failure a page shows as a message), and a form's
call whose refusal the page shows next to its controls."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any
from zoneinfo import ZoneInfo

from gymloop_web.display import studio_zone
from gymloop_web.gateway import ApiError, Gateway, GatewayUnavailable
from gymloop_web.session import WebSession


async def zone_of(gateway: Gateway, session: WebSession) -> ZoneInfo:
    """The studio's zone (bookings' settings follow members' studio): session times are shown in it."""
    settings = await optional(gateway, session, "/api/v1/bookings/settings")
    return studio_zone(settings.get("time_zone") if isinstance(settings, dict) else None)


async def optional(gateway: Gateway, session: WebSession, path: str, **params: Any) -> Any:
    """A read a page can do without: None when the service is down or refuses (401 still ends the session)."""
    try:
        return await gateway.call(session, "GET", path, params=params)
    except (ApiError, GatewayUnavailable):
        return None


def shown_on_page(error: ApiError) -> bool:
    """A refusal a page shows next to its controls; a 5xx, 401, 403 or 404 is for the app's error pages."""
    return not (error.status >= 500 or error.status in (401, 403, 404))


async def refusal(action: Awaitable[Any]) -> ApiError | None:
    """Runs one call of a form: None when it worked, the API's refusal when the form can show it."""
    try:
        await action
    except ApiError as error:
        if not shown_on_page(error):
            raise
        return error
    return None
