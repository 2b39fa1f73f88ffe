"""How each API describes itself: short operation ids, and /docs and /redoc that work without the internet.

An operation's id is its route function's name in camelCase (`sign_up` -> `signUp`); the gateway puts the
service in front (`bookings.signUp`). A route whose function name is no good id names one (`operation_id=`).
Swagger UI and ReDoc come from the `fastapi-offline` package, served by the app itself under /docs/assets.
Every URL on the pages is relative, so a page works both at the service and behind the gateway's prefix.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/docs/assets"
ASSETS_DIR = str(files("fastapi_offline") / "static")
# Swagger UI would otherwise ask an online validator for a badge on every page view.
SWAGGER_UI_PARAMETERS: dict[str, Any] = {"validatorUrl": None}


def camel_case(name: str) -> str:
    head, *rest = name.strip("_").split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def operation_id(route: APIRoute) -> str:
    """FastAPI's `generate_unique_id_function`: the route function's name in camelCase."""
    return camel_case(route.name)


def install_offline_docs(app: FastAPI, title: str, openapi_url: str = "openapi.json") -> None:
    """/docs (Swagger UI) and /redoc from assets the app serves itself; `openapi_url` relative to /docs."""
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    assets = ASSETS_PATH.lstrip("/")  # relative to /docs and /redoc alike

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - Swagger UI",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} - ReDoc",
            redoc_js_url=f"{assets}/redoc.standalone.js",
            redoc_favicon_url=f"{assets}/favicon.png",
            with_google_fonts=False,
        )
