"""Wires the dashboard together: builds the `System`, registers its pages and health endpoint, ties its lifetime to
the app's, and returns the arguments for `ui.run`."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from fastapi.responses import JSONResponse
from nicegui import Client, app, core
from starlette.middleware.gzip import GZipMiddleware

from . import __version__, collector, signatures
from .api import mount_api
from .auth import Gate, current_actor, install_socket_guard
from .components import page_guard, stylesheet
from .errors import AodUiError
from .pages import register_all
from .settings import Settings
from .system import System
from .wire import install as install_direct_manager

__all__ = ['build', 'run_arguments']


def build(settings: Settings) -> System:
    """Build the dashboard for these settings and register everything it serves."""
    logging.basicConfig(level=settings.log_level.upper(), format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    logging.getLogger('httpx').setLevel(logging.WARNING)
    system = System(settings)
    app.state.aod_system = system  # for the command line's and the tests' direct use of the running services
    install_direct_manager(core.sio)
    signatures.install()
    install_socket_guard(core.sio)
    app.add_middleware(Gate, settings=settings)
    stylesheet.install()
    # Quasar's bar at the top while a request is under way: its name, which screen readers say
    app.config.quasar_config['loadingBar']['aria-label'] = 'Loading'
    app.on_startup(system.startup)
    app.on_startup(collector.tune)
    app.on_startup(lambda: app.timer(page_guard.SWEEP_SECONDS, page_guard.sweep, immediate=False))
    app.state.aod_leftovers = leftovers = collector.LeftoverCollector()
    app.on_delete(leftovers.page_deleted)
    app.on_shutdown(leftovers.cancel)
    app.on_shutdown(system.shutdown)
    register_all(system)
    # /api/v1, /api/docs, /api/openapi.json: tokens only, never cookies; past the gate straight to the API
    mount_api(app, system, gate=lambda api: Gate(api, settings=settings))
    if settings.auth == 'oidc':
        from .auth.oidc import register_oidc
        register_oidc(system)
    app.on_startup(lambda: _sweep_browsers(system))

    @app.get('/healthz', include_in_schema=False)
    async def healthz() -> JSONResponse:
        """Up or down for anyone (a load balancer, a monitor); the details only for a signed-in admin, since they
        name AoD's address in its errors and count what people watch."""
        aod: dict[str, Any] = {'reachable': False}
        try:
            await system.wait_ready()
            started = time.perf_counter()
            await system.upstream.health()
            aod = {'reachable': True, 'latency_ms': round((time.perf_counter() - started) * 1000, 1)}
        except AodUiError as error:
            aod['error'] = str(error)
        status = 200 if aod['reachable'] else 503
        actor = current_actor(system)
        if actor is None or actor.role != 'admin':
            return JSONResponse({'status': 'up' if aod['reachable'] else 'down'}, status_code=status)
        archive = {'ok': system.archive.problem is None, 'sessions': len(list(system.archive)),
                   'complete': sum(system.archive.complete(session_id) for session_id in system.archive)}
        if system.archive.problem is not None:
            # live viewing goes on from memory, so the dashboard stays in service (200): restarting it frees no disk
            archive['problem'] = system.archive.problem
        body = {
            'status': 'down' if not aod['reachable'] else 'up' if archive['ok'] else 'degraded',
            'version': __version__,
            'demo': settings.demo,
            'uptime_seconds': round(time.time() - system.started_at),
            'aod': aod,
            'live_streams': len(system.hubs),
            'viewers': sum(hub.viewer_count for hub in system.hubs),
            'archive': archive,
            # what a soak counts to find leaks: NiceGUI's clients (connected pages) and the event loop's tasks
            'clients': len(Client.instances),
            'tasks': len(asyncio.all_tasks()),
        }
        return JSONResponse(body, status_code=status)

    return system


def _sweep_browsers(system: System) -> None:
    """Remove, now and every hour, the per-browser storage of browsers nobody is signed in on any more."""
    from nicegui.storage import Storage

    from .auth._browsers import sweep_forever
    from .hub import spawn_detached
    hours = system.settings.session_hours

    def still_signed_in(username: str, signed_in_at: float) -> bool:
        return time.time() - signed_in_at <= hours * 3600 and system.people.actor(username, signed_in_at) is not None

    in_use = lambda: list(app.storage._users)  # noqa: E731  # loaded right now by a page or a request
    system.background(spawn_detached(sweep_forever(lambda: Storage.path, still_signed_in, in_use), 'browser sweep'))


def run_arguments(settings: Settings) -> dict[str, Any]:
    """`ui.run` arguments: never reload or open a browser; one process (NiceGUI cannot share state across workers)."""
    return {
        'host': settings.host,
        'port': settings.port,
        'title': settings.title,
        'reload': False,
        # uvicorn would believe X-Forwarded-For from loopback by default; the dashboard's own gate believes it only
        # from AOD_UI_TRUSTED_PROXIES (auth/_gate.py)
        'proxy_headers': False,
        'forwarded_allow_ips': '',
        'show': False,
        'dark': None,
        'storage_secret': settings.storage_secret or 'demo-only storage secret, not for production use',
        'show_welcome_message': True,
        'reconnect_timeout': 10.0,
        # each client keeps its recent messages to replay after a short disconnect; with live transcripts they are
        # large, so keep fewer (a longer gap reloads the page, which rejoins the hub with the whole transcript)
        'message_history_length': 200,
        'favicon': '🤖',
        'tailwind': False,  # the stylesheet is built ahead of time (components/stylesheet.py)
        # zlib's default level: a page's scripts and styles (about 2 MB, sent compressed to every browser without
        # them cached) take half the time of the highest level, for one percent more bytes
        'gzip_middleware_factory': lambda inner: GZipMiddleware(inner, compresslevel=6),
        'language': 'en-US',  # Quasar's texts, and the page's `lang` (screen readers pronounce by it)
        'session_middleware_kwargs': {'same_site': 'lax', 'https_only': settings.cookies_secure,
                                      'max_age': int(settings.session_hours * 3600)},
    }
