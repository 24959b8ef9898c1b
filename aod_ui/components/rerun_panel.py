"""A session's re-runs on its page: "Run again" and "Edit and run" once it has finished (for people who may start
sessions), the session it runs again, and its own re-runs."""

from __future__ import annotations

from nicegui import ui

from .. import format as fmt
from ..auth import require_actor
from ..errors import AodUiError, NotAllowed
from ..services import Actor, LaunchRequest, SessionRow, can_launch, first_line
from ..system import System
from ..upstream import parse_time

__all__ = ['RerunPanel', 'rerun_request']

FINISHED = {'completed', 'failed', 'terminated'}


class RerunPanel(ui.column):
    """Links both ways between a session and its re-runs, and the buttons that make one."""

    def __init__(self, system: System, row: SessionRow, actor: Actor) -> None:
        super().__init__()
        self.system = system
        self.row = row
        self.classes('w-full gap-1').mark('reruns')
        reruns = system.reruns
        with self:
            origin = reruns.origin(actor, row.id)
            if origin is not None:
                with ui.row().classes('items-center gap-1 text-sm'):
                    ui.label('Runs again')
                    ui.link(first_line(origin.prompt, 80) or origin.session_id[:8], f'/sessions/{origin.session_id}') \
                        .mark('rerun-origin')
            again = reruns.reruns(actor, row.id)
            if again:
                with ui.row().classes('items-center gap-x-3 gap-y-0 text-sm flex-wrap'):
                    ui.label(f'Run again {len(again)} time{"s" if len(again) != 1 else ""}:')
                    for record in again[:10]:
                        ui.link(f'{record.session_id[:8]} by {record.owner}, '
                                f'{fmt.relative_time(parse_time(record.created_at))}',
                                f'/sessions/{record.session_id}').mark('rerun-link')
            self.buttons = ui.row().classes('gap-2').mark('rerun-buttons')
            with self.buttons:
                self.run = ui.button('Run again', icon='replay', on_click=self._run_again) \
                    .props('outline dense no-caps').mark('run-again')
                ui.button('Edit and run', icon='edit_note',
                          on_click=lambda: ui.navigate.to(f'/new?rerun={row.id}')) \
                    .props('flat dense no-caps').mark('edit-and-run')
        self.buttons.set_visibility(False)
        self.allowed = row.recorded and can_launch(actor)

    def set_status(self, status: str) -> None:
        """Offer the buttons only once the session has finished."""
        self.buttons.set_visibility(self.allowed and status in FINISHED)

    async def _run_again(self) -> None:
        self.run.props('loading')
        try:
            session_id = await self.system.reruns.run_again(require_actor(self.system), self.row.id)
        except AodUiError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            return
        finally:
            self.run.props(remove='loading')
        ui.navigate.to(f'/sessions/{session_id}')


def rerun_request(system: System, actor: Actor, session_id: str) -> LaunchRequest | None:
    """What "Edit and run" fills New session with; None (and a notice) for a session the person may not see."""
    if not session_id:
        return None
    try:
        return system.reruns.request(actor, session_id)
    except NotAllowed as error:
        ui.notify(str(error), type='warning')
        return None
