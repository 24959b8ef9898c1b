"""Stop, delete and download for one session; each asks the server, which checks the person's rights again."""

from __future__ import annotations

from nicegui import ui

from ..auth import require_actor
from ..errors import AodUiError
from ..status import ACTIVE
from ..system import System

__all__ = ['SessionActions', 'confirm']


async def confirm(question: str, detail: str, yes: str, *, color: str = 'negative') -> bool:
    """Ask before something that cannot be undone."""
    with ui.dialog() as dialog, ui.card().classes('gap-3'):
        ui.label(question).classes('text-lg font-semibold')
        ui.label(detail).classes('text-sm opacity-80')
        with ui.row().classes('w-full justify-end'):
            ui.button('Cancel', on_click=lambda: dialog.submit(False)).props('flat').mark('cancel')
            ui.button(yes, on_click=lambda: dialog.submit(True)).props(f'color={color}').mark('confirm')
    answer = await dialog
    dialog.delete()
    return bool(answer)


class SessionActions:
    """The action buttons of the session page (a stop's new status reaches the page through the session's hub)."""

    def __init__(self, system: System, session_id: str, *, may_act: bool) -> None:
        self.system = system
        self.session_id = session_id
        self.may_act = may_act
        self.status = ''
        # a phone puts the three on one line: narrower padding, and no icon on Delete, leave room for them
        with ui.row().classes('gap-1 items-center max-sm:w-full max-sm:[&>.q-btn]:px-2'):
            self.stop_button = ui.button('Stop', icon='stop', on_click=self.stop).props('outline color=negative') \
                .mark('stop')
            self.delete_button = ui.button('Delete', icon='delete', on_click=self.delete).props('flat color=grey-8') \
                .classes('max-sm:[&_.q-icon]:hidden').mark('delete')
            with ui.button(icon='download').props('flat round aria-label="Download"') \
                    .tooltip('Download the transcript').mark('download'):
                with ui.menu():
                    ui.menu_item('Raw events (JSONL)', lambda: self.download('jsonl')).mark('download-jsonl')
                    ui.menu_item('Readable text', lambda: self.download('txt')).mark('download-text')

    def set_status(self, status: str) -> None:
        self.status = status
        active = status in ACTIVE
        self.stop_button.set_visibility(self.may_act and active)
        self.delete_button.set_visibility(self.may_act)
        self.delete_button.text = 'Stop, then delete' if active else 'Delete'

    async def stop(self) -> None:
        if not await confirm('Stop this session?', 'The agent is interrupted now; its output so far is kept.',
                             'Stop session'):
            return
        self.stop_button.props('loading')
        self.stop_button.text = 'Stopping…'
        try:
            await self.system.sessions.stop(require_actor(self.system), self.session_id)
        except AodUiError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            return
        finally:
            self.stop_button.props(remove='loading')
            self.stop_button.text = 'Stop'
        # no toast here: the session's hub publishes the new status, and the page announces the end once

    async def delete(self) -> None:
        active = self.status in ACTIVE
        question = 'Stop, then delete this session?' if active else 'Delete this session?'
        if not await confirm(question, 'AoD removes its logs and turns for good. The dashboard keeps its archived '
                             'copy, readable by the same people, until its archive retention removes it.', 'Delete'):
            return
        self.delete_button.props('loading')
        try:
            actor = require_actor(self.system)
            if active:
                await self.system.sessions.stop_then_delete(actor, self.session_id)
            else:
                await self.system.sessions.delete(actor, self.session_id)
        except AodUiError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            return
        finally:
            self.delete_button.props(remove='loading')
        ui.navigate.to('/?deleted=1')  # the list says so: a toast here would vanish with the page

    async def download(self, kind: str) -> None:
        ui.notify('Preparing the download…', type='info', timeout=1500)
        try:
            export = await self.system.sessions.transcript_export(require_actor(self.system), self.session_id, kind)
        except AodUiError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            return
        name = f'session-{self.session_id[:8]}' + ('' if export.complete else '.incomplete')
        ui.download.content(''.join(export.chunks).encode(), f'{name}.{kind}')
        if not export.complete:  # never a silently cut file: say what is missing and why
            ui.notify(export.note, type='warning', multi_line=True, timeout=15000)
