"""Who is behind a request, and signing in and out.

The browser holds only NiceGUI's signed cookie with a random browser id; the signed-in person's name lives on the
server in `app.storage.user`. Every call of `current_actor` looks the person up again, so disabling someone or
changing their role takes effect at once, and a sign-in expires after `AOD_UI_SESSION_HOURS`.
"""

from __future__ import annotations

import ipaddress
import time
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app

from ..services import Actor
from ..system import System

__all__ = ['LOCAL_ACTOR', 'authenticate', 'current_actor', 'login_redirect', 'require_actor', 'safe_next', 'sign_in',
           'sign_out',
           'trusted_proxy']

LOCAL_ACTOR = Actor(username='local', role='admin', display_name='You')
"""The one person of `AOD_UI_AUTH=none`."""


def current_actor(system: System) -> Actor | None:
    """The signed-in person as they are now, or None (not signed in, expired, disabled or removed)."""
    if system.settings.auth == 'none':
        return LOCAL_ACTOR
    try:
        data = app.storage.user
    except RuntimeError:
        return None  # no request or client in this context
    username = data.get('username')
    signed_in_at = data.get('signed_in_at') or 0
    if not username or time.time() - signed_in_at > system.settings.session_hours * 3600:
        return None
    return system.people.actor(username, signed_in_at)  # also over when the person's sign-ins were ended since


def require_actor(system: System) -> Actor:
    """The person doing an action right now; refuses when they are no longer signed in or allowed."""
    actor = current_actor(system)
    if actor is None:
        from ..errors import NotAllowed
        raise NotAllowed('Your sign-in has ended or your account was disabled. Sign in again.')
    return actor


def sign_in(actor: Actor) -> None:
    app.storage.user.update({'username': actor.username, 'signed_in_at': time.time()})


def sign_out() -> None:
    for key in ('username', 'signed_in_at'):
        app.storage.user.pop(key, None)


def trusted_proxy(system: System, request: Request) -> bool:
    """Whether the request comes straight from one of the configured sign-in proxies."""
    host = request.client.host if request.client else ''
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(proxy, strict=False) for proxy in system.settings.trusted_proxies)


async def authenticate(system: System, request: Request) -> Actor | None:
    """The person behind a page request. With a trusted proxy header, the header is checked on every page load
    and wins over an earlier sign-in; from any other address the header is ignored."""
    await system.wait_ready()
    if system.settings.auth == 'header' and trusted_proxy(system, request):
        name = request.headers.get(system.settings.header_name, '').strip()
        if not name:
            sign_out()
            return None
        current = current_actor(system)
        if current is not None and current.username == name.lower():
            return current
        from ..services import LoginRefused
        try:
            actor = await system.people.login_header(name, request.client.host if request.client else '',
                                                     system.settings.header_default_role)
        except LoginRefused:
            sign_out()
            return None
        sign_in(actor)
        return actor
    return current_actor(system)


def safe_next(target: str | None) -> str:
    """A same-site path to return to after signing in (never another host)."""
    if not target:
        return '/'
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith('/') or target.startswith('//'):
        return '/'
    return target


def login_redirect(request: Request) -> RedirectResponse:
    path = request.url.path + (f'?{request.url.query}' if request.url.query else '')
    return RedirectResponse(f'/login?next={quote(path)}', status_code=303)
