"""A session's watch toggle: watch a session one may see (its end then reaches one's browser notifications, which
the first watch asks the browser to allow), and for the owner of a private session, whether the team's webhooks
may tell of it."""

from __future__ import annotations

from nicegui import ui

from ..auth import require_actor
from ..errors import AodUiError
from ..services import Actor, SessionRow, can_act
from ..system import System
from .browser_notices import PERMISSION_JS

__all__ = ['WatchToggle']


class WatchToggle(ui.row):
    def __init__(self, system: System, row: SessionRow, actor: Actor) -> None:
        super().__init__()
        self.system = system
        self.row = row
        notifications = system.notifications
        self.classes('items-center gap-2').mark('watch')
        with self:
            self.watch = ui.switch('Watch', value=notifications.watching(actor, row.id)).props('dense') \
                .tooltip('Tell me in this browser when it ends').mark('watch-toggle')
            self.watch.on_value_change(lambda e: self._watch(bool(e.value)))
            if row.visibility == 'private' and can_act(actor, row):  # type: ignore[arg-type]
                announce = ui.switch('Tell the team\'s webhooks', value=notifications.announced(row.id)) \
                    .props('dense').mark('announce-toggle')
                announce.on_value_change(lambda e: self._announce(bool(e.value)))

    async def _watch(self, on: bool) -> None:
        try:
            actor = require_actor(self.system)
            await self.system.notifications.watch(actor, self.row.id, on)
            if on and not self.system.notifications.browser_notices(actor.username):
                await self.system.notifications.set_browser_notices(actor, True)
        except AodUiError as error:
            ui.notify(str(error), type='negative')
            return
        if on:
            permission = await ui.run_javascript(PERMISSION_JS, timeout=30)
            if permission == 'denied':
                ui.notify('This browser blocks notifications from the dashboard: allow them in its site settings.',
                          type='warning')

    async def _announce(self, on: bool) -> None:
        try:
            await self.system.notifications.announce(require_actor(self.system), self.row.id, on)
        except AodUiError as error:
            ui.notify(str(error), type='negative')
