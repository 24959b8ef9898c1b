"""The HTTP API for scripts and CI: `/api/v1`, with its OpenAPI schema at `/api/openapi.json` and interactive docs
at `/api/docs`.

It is a FastAPI application of its own, mounted at `/api` on NiceGUI's: its own error answers
(`{"error": {"code", "message"}}`) and its own documentation, without touching the pages'. Every endpoint calls
the same service method as the page that does the same thing, with the person the request's token belongs to, so
the rules, the audit trail and the sentences are the pages' own. See docs/api.md.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import __version__
from ..system import System
from ._auth import install_redaction
from ._errors import install_handlers
from ._events import router as events_router
from ._models import ErrorBody
from ._sessions import router as sessions_router

__all__ = ['ApiFirst', 'build_api', 'mount_api']

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


def mount_api(app: FastAPI, system: System, *, gate: Callable[[ASGIApp], ASGIApp] | None = None) -> FastAPI:
    """Mount the API at `/api` on `app` (NiceGUI's); returns the API application.

    With `gate` (the middleware every request must pass), API requests go straight from `gate` to the API instead
    of through NiceGUI's middleware (see `ApiFirst`)."""
    api = build_api(system)
    app.mount('/api', api)
    if gate is not None:
        mount = next(route for route in app.routes if isinstance(route, Mount) and route.path == '/api')
        build_stack = app.build_middleware_stack
        app.build_middleware_stack = lambda: ApiFirst(build_stack(), gate(GZipMiddleware(_Mounted(mount))))
    return api


class ApiFirst:
    """The outermost ASGI layer: `/api` requests to `api`, everything else to the pages' app (`pages`).

    NiceGUI puts three `BaseHTTPMiddleware` layers before any route (a prefix redirect, cache headers, the request
    for its per-browser storage), and its session-cookie middleware. Each such layer copies every chunk of a streamed
    response through a memory stream and a task of its own: for a hundred API clients following one session that is
    hundreds of hops per read from AoD, paid before the last client gets its events. The API needs none of them (it
    never reads cookies or NiceGUI's storage), so its requests skip them and pass only the gate and compression."""

    def __init__(self, pages: ASGIApp, api: ASGIApp) -> None:
        self.pages = pages
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] == 'http' and scope.get('path', '').startswith('/api/'):
            await self.api(scope, receive, send)
        else:
            await self.pages(scope, receive, send)


class _Mounted:
    """The API as its mount reaches it (the same scope the router would give it)."""

    def __init__(self, mount: Mount) -> None:
        self.mount = mount

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match, child = self.mount.matches(scope)
        assert match is Match.FULL  # every path under '/api/'
        scope.update(child)
        await self.mount.handle(scope, receive, send)
