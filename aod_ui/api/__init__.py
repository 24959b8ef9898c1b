"""The HTTP API for scripts and CI: `/api/v1`, with its OpenAPI schema at `/api/openapi.json` and interactive docs
at `/api/docs`.

It is a FastAPI application of its own, mounted at `/api` on NiceGUI's: its own error answers
(`{"error": {"code", "message"}}`) and its own documentation, without touching the pages'. Every endpoint calls
the same service method as the page that does the same thing, with the person the request's token belongs to, so
the rules, the audit trail and the sentences are the pages' own. See docs/api.md.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from .. import __version__
from ..system import System
from ._auth import install_redaction
from ._errors import install_handlers
from ._events import router as events_router
from ._models import ErrorBody
from ._sessions import router as sessions_router

__all__ = ['build_api', 'mount_api']

DESCRIPTION = '''Start, follow and manage AoD sessions from scripts and CI, through the dashboard: with its people,
rights, audit trail and limits, and one upstream stream per session however many follow it.

Authenticate with a personal access token (made under **Tokens** in the dashboard) in the `Authorization: Bearer`
header. Cookies never authenticate the API. Errors are `{"error": {"code": ..., "message": ...}}`.'''


def build_api(system: System) -> FastAPI:
    """The API application for this dashboard (mounted by `mount_api`; tests serve it on its own)."""
    errors = {status: {'model': ErrorBody} for status in (401, 403, 404, 409, 422, 429)}
    # the interactive docs load Swagger UI from the dashboard itself: no CDN, so they work offline and under a
    # Content-Security-Policy of 'self'
    api = FastAPIOffline(title='AoD Dashboard API', version=__version__, description=DESCRIPTION, docs_url='/docs',
                         redoc_url=None, static_url='/docs-assets', openapi_url='/openapi.json',
                         responses=errors)
    api.state.system = system
    install_handlers(api)
    api.include_router(sessions_router, prefix='/v1')
    api.include_router(events_router, prefix='/v1')
    install_redaction()
    return api


def mount_api(app: FastAPI, system: System) -> FastAPI:
    """Mount the API at `/api` on `app` (NiceGUI's); returns the API application."""
    api = build_api(system)
    app.mount('/api', api)
    return api
