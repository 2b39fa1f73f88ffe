"""The platform is ready when every service behind the gateway is: each one's /ready is asked in parallel."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx


async def service_state(client: httpx.AsyncClient, name: str, base_url: str, timeout_s: float) -> dict[str, Any]:
    url = base_url.rstrip("/") + "/ready"
    try:
        answer = await client.get(url, timeout=timeout_s)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as error:
        return {"status": "down", "url": base_url, "error": f"{name} does not answer at {base_url}: {error!r}"[:300]}
    except httpx.TimeoutException:
        return {"status": "down", "url": base_url, "error": f"{name} gave no answer within {timeout_s}s"}
    except httpx.HTTPError as error:
        return {"status": "down", "url": base_url, "error": repr(error)[:300]}
    if answer.status_code == 200:
        return {"status": "ready", "url": base_url}
    state: dict[str, Any] = {"status": "not_ready", "url": base_url, "http_status": answer.status_code}
    try:
        body = answer.json()
        if isinstance(body, dict) and "checks" in body:
            state["checks"] = body["checks"]
    except ValueError:
        state["error"] = answer.text[:300]
    return state


async def platform_state(
    client: httpx.AsyncClient, service_urls: Mapping[str, str], timeout_s: float
) -> tuple[bool, dict[str, Any]]:
    names = sorted(service_urls)
    states = await asyncio.gather(*(service_state(client, n, service_urls[n], timeout_s) for n in names))
    services = dict(zip(names, states, strict=True))
    not_ready = [name for name, state in services.items() if state["status"] != "ready"]
    body: dict[str, Any] = {
        "status": "ready" if not not_ready else "not_ready",
        "service": "gateway",
        "services": services,
    }
    if not_ready:
        body["not_ready"] = not_ready
        body["detail"] = "; ".join(f"{name} is {services[name]['status'].replace('_', ' ')}" for name in not_ready)
    return not not_ready, body
