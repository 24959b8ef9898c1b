"""The part of a session its page no longer holds, read from the dashboard's archive around one line: where a search
match opens when it lies before the latest `AOD_UI_STREAM_HOLD` lines the session's hub keeps.

A notice says the view is the archive's, not live; Earlier and Later move the window; Back to live returns to the
live transcript. Lines are shown as text elements (the searched words as their own pieces): never markup."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from .. import theme
from ..errors import AodUiError
from ..hub import SessionHub
from ..search import ArchivedLine, ArchivedWindow, parse_query, pieces
from ..services import Actor, SearchService
from .search_line import piece

__all__ = ['ArchivedView']

AROUND = 40
"""Readable lines shown before and after the line opened."""
KINDS = {'text': 'said', 'thinking': 'thought', 'tool': 'tool', 'result': 'result', 'system': 'system',
         'stdout': 'output', 'stderr': 'stderr'}


class ArchivedView(ui.column):
    """Hidden until `open(line)` finds the line older than what the page holds."""

    def __init__(self, finder: SearchService, actor: Actor, session_id: str, hub: SessionHub, *,
                 on_back: Callable[[], None]) -> None:
        super().__init__()
        self.finder, self.actor, self.session_id, self.hub = finder, actor, session_id, hub
        self.on_back = on_back
        self.words: tuple[str, ...] = ()
        self.window: ArchivedWindow | None = None
        self.classes('w-full gap-2').mark('archived-view')
        with self:
            with ui.row().classes(f'w-full items-center gap-2 rounded p-3 {theme.NOTICE}'):
                ui.icon('inventory_2', size='sm')
                self.notice = ui.label().classes('flex-1 min-w-0 text-sm').mark('archived-notice')
                self.back = ui.button('Back to live', icon='sensors', on_click=self.close) \
                    .props('unelevated color=primary size=sm').mark('archived-back')
            with ui.row().classes('w-full items-center gap-2'):
                self.earlier = ui.button('Earlier', icon='expand_less', on_click=lambda: self._move(-1)) \
                    .props('flat dense size=sm').mark('archived-earlier')
                self.later = ui.button('Later', icon='expand_more', on_click=lambda: self._move(1)) \
                    .props('flat dense size=sm').mark('archived-later')
                self.problem = ui.label().classes('text-sm text-negative').mark('archived-problem')
            self.body = ui.column().classes('w-full gap-0 border rounded-lg overflow-y-auto p-3 font-mono text-xs') \
                .style('height: 62vh; scrollbar-width: thin').mark('archived-lines')
        self.set_visibility(False)

    @property
    def held(self) -> int:
        """How many of the session's latest output lines its page holds live."""
        lines = self.hub.transcript.raw.lines
        return lines.line_count - lines.first

    async def open(self, line: int, find: str = '') -> bool:
        """Show the archive around `line` if the page no longer holds it; returns whether it is shown."""
        raw = self.hub.transcript.raw
        if line < 0 or (raw.complete and raw.lines.first == 0):
            return False  # the page holds the whole session
        self.words = parse_query(find).words
        window = await self._read(line)
        if window is None:
            ui.notify(self.problem.text, type='warning', multi_line=True)  # the live view, with the reason
            return False
        if line >= window.total - self.held or not window.lines:
            return False  # the page holds it (or the archive has nothing there): the live view shows it
        self._show(window, line)
        self.set_visibility(True)
        return True

    def close(self) -> None:
        self.set_visibility(False)
        self.body.clear()
        self.on_back()

    async def _read(self, line: int) -> ArchivedWindow | None:
        try:
            return await self.finder.archived(self.actor, self.session_id, line, around=AROUND)
        except AodUiError as error:
            self.problem.text = str(error)
            return None

    def _show(self, window: ArchivedWindow, line: int | None) -> None:
        """Show a window; with `line`, marked and scrolled to (the first line shown from there on)."""
        self.window = window
        held_from = window.total - self.held
        first, last = window.lines[0].line, window.lines[-1].line
        self.notice.text = (f"An earlier part of this session, from the dashboard's archive: lines {first + 1:,} to "
                            f'{last + 1:,} of {window.total:,}. The live view holds only the latest '
                            f'{self.held:,} lines.')
        self.earlier.enabled = first > 0
        self.later.enabled = last < held_from - 1
        self.problem.text = ''
        self.body.clear()
        target = next((shown.line for shown in window.lines if shown.line >= line), last) if line is not None else None
        with self.body:
            rows = [self._line(shown, shown.line == target) for shown in window.lines]
        marked = [row for row, shown in zip(rows, window.lines, strict=True) if shown.line == target]
        if marked:
            ui.run_javascript(f'document.getElementById("c{marked[0].id}")?.scrollIntoView({{block: "center"}})')

    async def _move(self, direction: int) -> None:
        """Show the lines before (or after) the window, up to where the live view begins."""
        if self.window is None or not self.window.lines:
            return
        edge = self.window.lines[0 if direction < 0 else -1].line
        held_from = self.window.total - self.held
        window = await self._read(max(0, min(edge + direction * AROUND, held_from - 1 - AROUND)))
        if window is not None and window.lines:
            self._show(window, None)

    def _line(self, shown: ArchivedLine, target: bool) -> ui.row:
        with ui.row().classes('w-full gap-2 no-wrap items-start py-0.5' + (' bg-amber-2 text-black rounded'
                                                                            if target else '')) as row:
            ui.label(f'{shown.line + 1:,}').classes('opacity-50 w-14 text-right shrink-0 select-none')
            ui.label(KINDS.get(shown.kind, shown.kind)).classes('opacity-60 w-12 shrink-0')
            with ui.element('div').classes('flex-1 min-w-0 whitespace-pre-wrap [overflow-wrap:anywhere]'):
                for text, marked in pieces(shown.text, self.words):
                    if marked:
                        piece('mark', text).classes('bg-amber-200 text-black rounded-sm')
                    else:
                        piece('span', text)
        if target:
            row.mark('archived-target')
        return row
