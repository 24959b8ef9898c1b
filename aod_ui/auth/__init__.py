"""Who is behind a request, and signing in and out.

The browser holds only NiceGUI's signed cookie with a random browser id; the signed-in person's name lives on the
server in `app.storage.user`. Every call of `current_actor` looks the person up again, so disabling someone or
changing their role takes effect at once, and a sign-in expires after `AOD_UI_SESSION_HOURS`. Signing in always
ends in a fresh browser id (`sign_in`), so an id planted in a browser before sign-in never becomes a signed-in one.
Pages keep a `Presence`: the person they were built for, asked again before anything more is sent to them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app
from nicegui.storage import Storage, request_contextvar

from ..services import Actor
from ..system import System
from ._gate import Gate, client_address, install_socket_guard, trusted_proxy
from ._tickets import SignInTickets

__all__ = ['LOCAL_ACTOR', 'Gate', 'Presence', 'SignInTickets', 'authenticate', 'client_address', 'current_actor',
           'end_sign_in',
           'install_socket_guard', 'login_redirect', 'require_actor', 'safe_next', 'sign_in', 'sign_out',
           'trusted_proxy']

LOCAL_ACTOR = Actor(username='local', role='admin', display_name='You')
"""The one person of `AOD_UI_AUTH=none`."""
CARRIED = ('next', 'dark')
"""What a browser's storage keeps across sign-in into its fresh id (never who is signed in)."""


def _actor_from(system: System, data: MutableMapping[str, Any]) -> Actor | None:
    username = data.get('username')
    signed_in_at = data.get('signed_in_at') or 0
    if not username or time.time() - signed_in_at > system.settings.session_hours * 3600:
        return None
    return system.people.actor(username, signed_in_at)  # also over when the person's sign-ins were ended since


def current_actor(system: System) -> Actor | None:
    """The signed-in person as they are now, or None (not signed in, expired, disabled or removed)."""
    if system.settings.auth == 'none':
        return LOCAL_ACTOR
    try:
        data = app.storage.user
    except RuntimeError:
        return None  # no request or client in this context
    return _actor_from(system, data)


def require_actor(system: System) -> Actor:
    """The person doing an action right now; refuses when they are no longer signed in or allowed."""
    actor = current_actor(system)
    if actor is None:
        from ..errors import NotAllowed
        raise NotAllowed('Your sign-in has ended or your account was disabled. Sign in again.')
    return actor


class Presence:
    """A page's hold on its person: who the page was built for, and the browser sign-in it rides on.

    `now()` reads that browser's sign-in and the person afresh, from any context (a hub's push, another person's
    action), so an open page can ask before each update whether its person may still have it."""

    def __init__(self, system: System, actor: Actor) -> None:
        self.system = system
        self.actor = actor
        self._data: MutableMapping[str, Any] | None = None if system.settings.auth == 'none' else app.storage.user

    def now(self) -> Actor | None:
        """The page's person as they are now; None once signed out, expired, disabled or removed."""
        if self._data is None:
            return LOCAL_ACTOR
        return _actor_from(self.system, self._data)

    def unchanged(self, now: Actor | None = None) -> bool:
        """Whether the person is still signed in here with the role the page was built for."""
        now = self.now() if now is None else now
        return now is not None and (now.username, now.role) == (self.actor.username, self.actor.role)


def sign_in(actor: Actor) -> None:
    """Sign a person in, from an HTTP request: the browser gets a fresh id (its old storage is emptied), so a
    browser id known to someone else before sign-in is worth nothing after it."""
    request = request_contextvar.get()
    if request is None or request.scope.get('type') != 'http' or request.state.responded:
        raise RuntimeError('sign_in needs an HTTP request whose answer is not built yet (it sets a new cookie)')
    old = app.storage.user
    kept = {key: old[key] for key in CARRIED if key in old}
    if old:
        old.clear()  # (an empty one is left alone: nothing is written for a browser that was never signed in)
    fresh_id = str(uuid.uuid4())
    # NiceGUI offers no public call to give a browser a new id; this is what its request middleware does for a new
    # browser, done at once so the rest of this request already writes to the new storage
    storage = Storage._create_persistent_dict(f'user-{fresh_id}')
    storage.initialize_sync()
    app.storage._users[fresh_id] = storage
    request.session['id'] = fresh_id
    storage.update({**kept, 'username': actor.username, 'signed_in_at': time.time()})


def sign_out() -> None:
    for key in ('username', 'signed_in_at'):
        app.storage.user.pop(key, None)


async def authenticate(system: System, request: Request) -> Actor | None:
    """The person behind a page request. With a trusted proxy header, the header is checked on every page load
    and wins over an earlier sign-in; from any other address the header is ignored."""
    await system.wait_ready()
    if system.settings.auth == 'header' and trusted_proxy(system.settings, request.scope):
        name = request.headers.get(system.settings.header_name, '').strip()
        if not name:
            sign_out()
            return None
        current = current_actor(system)
        if current is not None and current.username == name.lower():
            return current
        from ..services import LoginRefused
        try:
            actor = await system.people.login_header(name, client_address(request.scope),
                                                     system.settings.header_default_role)
        except LoginRefused:
            sign_out()
            return None
        sign_in(actor)
        return actor
    return current_actor(system)


def safe_next(target: str | None) -> str:
    """A path on this site to return to after signing in; anything a browser could read as another host (`//x`,
    `/\\x`, with encoded or invisible characters in between) becomes `/`."""
    if not target or len(target) > 2000:
        return '/'
    decoded = target
    for _ in range(3):  # what a browser, a proxy or a second redirect might decode again
        decoded = unquote(decoded)
    if any(ord(c) < 0x20 or c == '\x7f' or c == '\\' for c in decoded):
        return '/'
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith('/') or decoded.startswith('//'):
        return '/'
    return target


def login_redirect(request: Request) -> RedirectResponse:
    path = request.url.path + (f'?{request.url.query}' if request.url.query else '')
    return RedirectResponse(f'/login?next={quote(path)}', status_code=303)


async def end_sign_in(system: System, request: Request) -> str:
    """Sign this browser out (pages open on the person re-check at once); returns where to send the browser: the
    identity provider's sign-out when it has one, else the sign-in page."""
    actor = current_actor(system)
    target = '/login'
    if actor is not None and system.settings.auth != 'none' and system.end_session_url is not None:
        target = await system.end_session_url(request, actor.username) or target
    sign_out()
    if actor is not None and system.settings.auth != 'none':
        await system.people.logout(actor)
    return target
