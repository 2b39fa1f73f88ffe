"""What makes the member app installable (a PWA): its web app manifest and its service worker, both under /app so
the worker's scope is the app. The icons are static files of ours (static/app/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from gymloop_web.rendering import render

router = APIRouter()

APP_STATIC = Path(__file__).resolve().parents[1] / "static" / "app"
THEME_COLOR = "#0b6bcb"  # the stylesheet's --accent
BACKGROUND_COLOR = "#f5f6f8"  # the stylesheet's --bg
ICON_SIZES = (192, 512)


def manifest(t: Any) -> dict[str, Any]:
    return {
        "name": t("app.name"),
        "short_name": t("app.name"),
        "description": t("app.description"),
        "id": "/app/",
        "start_url": "/app/",
        "scope": "/app/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": BACKGROUND_COLOR,
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": f"/static/app/icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}
            for size in ICON_SIZES
            for purpose in ("any", "maskable")  # the loop stays inside the safe zone of a maskable icon
        ],
    }


@router.get("/app/manifest.webmanifest")
async def web_app_manifest(request: Request) -> Response:
    body = manifest(request.app.state.t)
    return JSONResponse(body, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"})


@router.get("/app/sw.js")
async def service_worker() -> Response:
    """Served from /app/ (not /static/) so that its scope is the whole member app."""
    script = (APP_STATIC / "sw.js").read_bytes()
    return Response(script, media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/app/offline")
async def offline(request: Request) -> Response:
    """The page the service worker keeps for when the network is gone: nothing personal on it."""
    return render(request, "app/offline.html", shell=False)
