"""An open page's rights, asked again before it shows anything new, and its take-down when they end."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from nicegui import Client, ui

from ..auth import Presence
from ..services import Actor
from ..system import System

__all__ = ['SWEEP_SECONDS', 'PageGuard', 'page_guard', 'sweep']

_GUARDS: weakref.WeakKeyDictionary[Client, PageGuard] = weakref.WeakKeyDictionary()


class PageGuard:
    """Made by `frame()` for every page. `allows()` answers whether the page's person is still signed in here with
    the rights the page was built for (and passes `check`); when not, the page is taken down on the server: its
    content deleted, live subscriptions ended, timers gone. The reload sent to the browser afterwards only saves a
    well-behaved browser a click; nothing depends on it."""

    def __init__(self, system: System, actor: Actor, column: ui.column) -> None:
        self.presence = Presence(system, actor)
        self.down = False
        self._column = column
        self._on_down: list[Callable[[], Any]] = []
        _GUARDS[column.client] = self

    def allows(self, check: Callable[[Actor], bool] | None = None) -> bool:
        if self.down:
            return False
        now = self.presence.now()
        if now is not None and self.presence.unchanged(now) and (check is None or check(now)):
            return True
        self.take_down()
        return False

    def leave(self) -> None:
        """The page's own person is leaving it (signing out here): show nothing more, take nothing down."""
        self.down = True
        for callback in self._on_down:
            callback()

    def on_down(self, callback: Callable[[], Any]) -> None:
        """Run `callback` when the page is taken down (to leave a live stream, for example)."""
        self._on_down.append(callback)

    def take_down(self) -> None:
        if self.down:
            return
        self.down = True
        for callback in self._on_down:
            callback()
        self._column.clear()
        with self._column:
            ui.label('You can no longer see this page: your access changed or your sign-in ended.') \
                .classes('text-lg').mark('access-ended')
            ui.link('Sign in again or go to the sessions', '/')
        with self._column.client:
            ui.run_javascript('window.location.reload()')


def page_guard() -> PageGuard:
    """The guard of the page being built or acted on."""
    return _GUARDS[ui.context.client]


def sweep() -> None:
    """Ask every open page once: what no event announces (a sign-in growing older than `AOD_UI_SESSION_HOURS`) takes
    an idle page down too. The app runs this every `SWEEP_SECONDS`."""
    for client, guard in list(_GUARDS.items()):
        if not client.is_deleted and not guard.down:
            with client:
                guard.allows()


SWEEP_SECONDS = 60.0
