"""A session's owner, visibility and pin, for those who may change them (checked again on the server)."""

from __future__ import annotations

from nicegui import ui

from ..auth import require_actor
from ..errors import AodUiError
from ..services import Actor, SessionRow, is_admin
from ..system import System

__all__ = ['SessionSettings']


class SessionSettings:
    """Owner (admins), visibility and pin (owner and admins)."""

    def __init__(self, system: System, row: SessionRow, actor: Actor, *, may_act: bool) -> None:
        self.system = system
        self.session_id = row.id
        with ui.row().classes('items-center gap-3 text-sm flex-wrap').mark('session-settings'):
            if is_admin(actor) and system.settings.auth != 'none':
                people = {p.username: p.display_name or p.username for p in system.people.everyone() if not p.disabled}
                if row.owner and row.owner not in people:
                    people[row.owner] = row.owner
                ui.select(people, value=row.owner, label='Owner', on_change=lambda e: self._owner(e.value)) \
                    .props('dense outlined options-dense').classes('w-44').mark('owner')
            if may_act and row.recorded:
                ui.toggle({'team': 'Team can watch', 'private': 'Private'}, value=row.visibility,
                          on_change=lambda e: self._run(lambda a: system.sessions.set_visibility(
                              a, self.session_id, e.value), 'Visibility changed.')) \
                    .props('dense no-caps size=sm').mark('visibility')
                ui.input_chips('Labels', value=list(row.labels), new_value_mode='add-unique',
                               on_change=lambda e: self._run(lambda a: system.sessions.set_labels(
                                   a, self.session_id, list(e.value or [])), 'Labels saved.')) \
                    .props('dense outlined').classes('min-w-48').mark('labels')
                ui.switch('Pinned', value=row.pinned, on_change=lambda e: self._run(
                    lambda a: system.sessions.set_pinned(a, self.session_id, e.value),
                    'Pinned: retention will keep it.' if e.value else 'Unpinned.')) \
                    .tooltip('Pinned sessions are never removed by the retention policy').mark('pin')

    async def _owner(self, owner: str | None) -> None:
        if owner:
            await self._run(lambda a: self.system.sessions.assign_owner(a, self.session_id, owner),
                            f'Session handed to {owner}.')

    async def _run(self, call, done: str) -> None:
        try:
            await call(require_actor(self.system))
        except AodUiError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            return
        ui.notify(done, type='positive')
