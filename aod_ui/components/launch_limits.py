"""New session's fair-share notice: says, before anyone types, that the person is at their limit of active sessions
or past their monthly budget (and then holds the start button), or close to the budget. It asks again every few
seconds and whenever an admin changes the person's limits, so stopping a session elsewhere frees the button."""

from __future__ import annotations

import contextlib

from nicegui import ui

from .. import theme
from ..errors import AodUiError
from ..services import Actor
from ..system import System

__all__ = ['LaunchLimitNotice']


class LaunchLimitNotice(ui.label):
    """A banner bound to the start button: red with the refusal when a launch would be refused, amber with the
    budget warning at 80 %, hidden otherwise. The launch itself checks again (this only spares people typing)."""

    def __init__(self, system: System, actor: Actor) -> None:
        super().__init__()
        self.system = system
        self.actor = actor
        self.start: ui.button | None = None
        self.refused = False
        self.classes('w-full rounded p-3 whitespace-pre-line').mark('launch-limit')
        self.set_visibility(False)
        # asked at once but not awaited by the page: an await in the page's body lets the page reach the browser
        # before its start button has a handler
        ui.timer(0, self.check, once=True)
        ui.timer(system.settings.refresh_seconds, self.check)
        system.sessions.fair_share.changed.subscribe(self._changed)

    def hold(self, start: ui.button) -> None:
        """The button this notice disables while a launch would be refused (from the last check on)."""
        self.start = start
        start.set_enabled(not self.refused)

    async def check(self) -> None:
        usage = None
        with contextlib.suppress(AodUiError):  # AoD unreachable: the launch says so itself
            usage = await self.system.sessions.fair_share.usage(self.actor)
        refusal = usage.refusal() if usage is not None else None
        warning = usage.warning() if usage is not None else None
        self.text = refusal or warning or ''
        self.classes(remove=f'{theme.PROBLEM} {theme.NOTICE}')
        self.classes(f'rounded {theme.PROBLEM if refusal else theme.NOTICE}')
        self.set_visibility(bool(self.text))
        self.refused = refusal is not None
        if self.start is not None:
            self.start.set_enabled(not self.refused)

    async def _changed(self, username: str) -> None:
        if username == self.actor.username:
            await self.check()
