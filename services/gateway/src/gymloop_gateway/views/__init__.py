"""The gateway's views: screens assembled from several services' reads, under /api/views/.

One module per view; `fanout` calls the services. `install_views` puts the routes before the catch-all proxy.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from gymloop_kit.http.problems import problem_response

from gymloop_gateway.views import dashboard, members_report, overview, public_studio
from gymloop_gateway.views.fanout import SubjectRefused


def views_router() -> APIRouter:
    router = APIRouter(prefix="/api/views")
    router.include_router(overview.router)
    router.include_router(dashboard.router)
    router.include_router(members_report.router)
    router.include_router(public_studio.router)
    return router


async def _subject_refused(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SubjectRefused)
    headers = {"WWW-Authenticate": "Bearer"} if error.problem.get("status") == 401 else None
    return problem_response(error.problem, headers=headers)


def install_views(app: FastAPI) -> None:
    """Call before the proxy route is added: Starlette matches routes in order."""
    app.include_router(views_router())
    app.add_exception_handler(SubjectRefused, _subject_refused)
