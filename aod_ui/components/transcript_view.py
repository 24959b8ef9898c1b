"""The structured transcript of a session, windowed: only the latest entries (or the page the reader went back to)
are in the page, so a 100,000-line session stays as light as a short one.

Every piece of agent output and every prompt is put into the page as text (labels), never as HTML, except the
agent's own text, which is Markdown rendered on the server to escaped, allowed HTML (`aod_ui.markup`).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from nicegui import ui

from .. import format as fmt
from .. import theme
from ..markup import Html, markdown_html
from ..transcript import (
    CUT_OFF,
    Change,
    Entry,
    ExitEntry,
    LinesEntry,
    MessageEntry,
    NoticeEntry,
    ResultEntry,
    StageEntry,
    StderrEntry,
    SystemEntry,
    TextEntry,
    ThinkingEntry,
    ToolEntry,
    Transcript,
    TurnEntry,
)
from .live_text import LiveText
from .safe_html import SafeHtml
from .tailwind import late

__all__ = ['TranscriptView']

WINDOW = 120
"""How many top-level entries the page holds while following the tail."""
WINDOW_CHARS = 30_000
"""About how much text those entries may put in the page (the latest entry is always shown)."""
PAGE = 120
"""How many earlier entries one "show earlier" adds."""
MAX_WINDOW = 600

TOOL_ICONS = {'Bash': 'terminal', 'Read': 'description', 'Write': 'edit_document', 'Edit': 'edit',
              'MultiEdit': 'edit', 'Grep': 'search', 'Glob': 'folder_open', 'TodoWrite': 'checklist',
              'Task': 'smart_toy', 'Agent': 'smart_toy', 'WebFetch': 'public', 'WebSearch': 'travel_explore'}
RED = late('bg-red-1 text-red-10')
MESSAGE_STYLES = {'error': ('error', RED),
                  'terminated': ('stop_circle', late('bg-grey-3 text-grey-9')),
                  'stale': ('hourglass_disabled', late(theme.NOTICE)),
                  'notice': ('info', late('bg-blue-1 text-blue-10')),
                  'cut': ('content_cut', late('bg-grey-3 text-grey-9'))}
# The classes of transcript entries: registered with `late`, because entries come with live updates
MONO = late('font-mono text-xs whitespace-pre-wrap [overflow-wrap:anywhere]')
ROOT = late('w-full')
TURN = late('aod-turn w-full mt-4 text-sm font-semibold text-primary')
PROMPT = late('w-full whitespace-pre-wrap [overflow-wrap:anywhere] rounded-lg p-3 bg-indigo-50 dark:bg-indigo-950',
              'text-sm')
TEXT = late('w-full whitespace-pre-wrap [overflow-wrap:anywhere] leading-relaxed')
THINKING, THINKING_TEXT = late('w-full text-sm opacity-80'), late('whitespace-pre-wrap italic')
RESULT = late('w-full items-center gap-4 rounded-lg p-3')
RESULT_OK = late('bg-green-1 text-green-10')
BOLD, SMALL_FAINT, CAPTION = late('font-semibold'), late('text-xs opacity-60'), late('text-xs font-semibold opacity-60')
FAILED_STAGE = late('w-full rounded p-2')
MESSAGE, MESSAGE_TEXT = late('w-full items-center gap-2 rounded p-2'), late('whitespace-pre-wrap')
BLOCK = late(f'w-full {MONO} rounded p-2')
STDOUT = late('bg-gray-100 dark:bg-gray-800')
STDERR = late('bg-amber-50 text-amber-950 dark:bg-amber-950/40 dark:text-amber-100')
"""Stderr reads as a notice: agents write banners, progress and warnings there. Red is kept for failures."""
STDERR_FAILURE = late('bg-red-50 text-red-900 dark:bg-red-950 dark:text-red-200')
ERROR_BLOCK = late('bg-red-50 dark:bg-red-950')
TOOL, TOOL_HEADER = late('w-full p-0 gap-0 shadow-none border'), late('w-full items-center gap-2 no-wrap')
TOOL_ICON, TOOL_NAME = late('text-primary'), late('font-mono text-sm truncate flex-1')
TOOL_STATUS = {'pending': late('text-grey-6'), 'done': late('text-positive'), 'error': late('text-negative'),
               'interrupted': late('text-grey-6')}
TOOL_BODY = late('w-full gap-1 px-3 pb-2')
SUBAGENT = late('self-stretch gap-2 border-l-4 border-indigo-200 ml-3 pl-3 pr-2 pb-2')
late('nicegui-expansion nicegui-expansion-content q-expansion-item q-expansion-item--standard px-1',
     'q-expansion-item--collapsed q-expansion-item--expanded q-expansion-item__container q-expansion-item__content',
     'q-expansion-item__toggle-icon q-expansion-item__toggle-icon--rotated q-item q-item--clickable q-item--dense',
     'q-item-type q-item__label q-item__section q-item__section--avatar q-item__section--main q-item__section--side',
     'q-link q-card--bordered q-card--flat no-shadow q-spinner q-spinner-mat path')
"""What Quasar gives the expansions and cards of tool and thinking entries, and a running tool's spinner."""
CSS = '''
.aod-turn { display: flex; align-items: center; gap: 0.5rem; }
.aod-turn::before, .aod-turn::after { content: ""; border-top: 1px solid rgba(128, 128, 128, 0.35); }
.aod-turn::before { width: 1rem; }
.aod-turn::after { flex: 1; }
'''
"""A turn's header is one element with its rules drawn around it: every viewer builds it at once when a turn starts."""


def _pretty(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {'command'}:
        return str(value['command'])
    try:
        return json.dumps(value, indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


class _EntryView:
    """The elements of one entry, kept so that an update changes them in place."""

    def __init__(self, entry: Entry, view: TranscriptView) -> None:
        self.entry = entry
        self.view = view
        self.children: ui.column | None = None
        self.expanded = False
        self.output: LiveText | None = None
        """The element of a block of output lines, which is the entry's whole view (output only ever grows)."""
        self.root: ui.element
        if isinstance(entry, LinesEntry):
            self.root = self.output = self._lines(entry)
            return
        with ui.element('div').classes(ROOT) as self.root:
            self._build()
        self._hide_if_empty()

    def _hide_if_empty(self) -> None:
        """An entry with nothing to show (a provisioning stage that went well) takes no room in the column."""
        self.root.set_visibility(bool(self.root.default_slot.children))

    def update(self) -> None:
        if self.output is not None and isinstance(self.entry, LinesEntry):
            self.output.set_text(self.entry.text)  # merged output lines grow in place: only the new lines are sent
            return
        children = self.children
        kept = list(children.default_slot.children) if children is not None else []
        for element in kept:
            element.move(self.view.orphanage)
        self.root.clear()
        with self.root:
            self._build()
        self._hide_if_empty()
        if self.children is not None:
            for element in kept:
                element.move(self.children)

    def _build(self) -> None:
        entry = self.entry
        self.children = None
        if isinstance(entry, TurnEntry):
            ui.label(f'Turn {entry.number}').classes(TURN)
            if entry.prompt:
                ui.label(entry.prompt).classes(PROMPT).mark('turn-prompt')
        elif isinstance(entry, TextEntry) and entry.role == 'assistant':
            SafeHtml(markdown_html(entry.text)).classes(ROOT).mark('assistant-text')
        elif isinstance(entry, TextEntry):
            ui.label(entry.text).classes(TEXT).mark('subagent-prompt')
        elif isinstance(entry, ThinkingEntry):
            with ui.expansion('Thinking', icon='psychology').classes(THINKING).props('dense header-class="px-1"'):
                ui.label(entry.text).classes(THINKING_TEXT)
        elif isinstance(entry, ToolEntry):
            self._tool(entry)
        elif isinstance(entry, ResultEntry):
            with ui.row().classes(RESULT).classes(RED if entry.is_error else RESULT_OK).mark('result'):
                ui.icon('error' if entry.is_error else 'flag')
                ui.label('Finished with an error' if entry.is_error else 'Finished').classes(BOLD)
                ui.label(f'Cost {fmt.cost(entry.cost_usd)}')
                ui.label(f'Duration {fmt.duration(entry.duration_ms / 1000 if entry.duration_ms else None)}')
                if entry.num_turns is not None:
                    ui.label(f'{entry.num_turns} agent turns')
        elif isinstance(entry, SystemEntry):
            parts = [p for p in (entry.subtype, entry.model,
                                 f'{entry.tools_count} tools' if entry.tools_count is not None else '',
                                 entry.text) if p]
            ui.label(' · '.join(parts)).classes(SMALL_FAINT)
        elif isinstance(entry, ExitEntry):
            ok = entry.code == 0
            ui.chip(f'Agent exited with code {entry.code}', icon='check' if ok else 'error',
                    color='positive' if ok else 'negative', text_color='white').props('dense')
        elif isinstance(entry, StageEntry):
            if entry.state == 'failed':
                ui.label(f'Provisioning failed at {entry.name}: {entry.message or ""}') \
                    .classes(FAILED_STAGE).classes(RED)
        elif isinstance(entry, MessageEntry):
            cut = isinstance(entry, NoticeEntry) and entry.event_type == CUT_OFF
            icon, colors = MESSAGE_STYLES['cut' if cut else entry.kind if entry.kind in MESSAGE_STYLES else 'notice']
            with ui.row().classes(MESSAGE).classes(colors):
                ui.icon(icon)
                ui.label(entry.message or entry.kind).classes(MESSAGE_TEXT)

    @staticmethod
    def _lines(entry: LinesEntry) -> LiveText:
        if not isinstance(entry, StderrEntry):
            return LiveText(entry.text).classes(BLOCK).classes(STDOUT).mark('stdout')
        failure = entry.failure
        return LiveText(entry.text).classes(BLOCK).classes(STDERR_FAILURE if failure else STDERR) \
            .mark('stderr-failure' if failure else 'stderr')

    def _tool(self, entry: ToolEntry) -> None:
        status_icon = {'pending': 'more_horiz', 'done': 'check', 'error': 'close', 'interrupted': 'block'}[entry.status]
        with ui.card().classes(TOOL).props('flat bordered').mark('tool'):
            with ui.expansion(value=self.expanded).classes('w-full').props('dense') as expansion:
                expansion.props['toggle-aria-label'] = entry.summary or entry.name  # what the header shows
                expansion.on_value_change(lambda e: setattr(self, 'expanded', e.value))
                with expansion.add_slot('header'), ui.row().classes(TOOL_HEADER):
                    ui.icon(TOOL_ICONS.get(entry.name, 'build')).classes(TOOL_ICON)
                    ui.label(entry.summary or entry.name).classes(TOOL_NAME)
                    if entry.status == 'pending':
                        ui.spinner(size='xs')
                    else:
                        if entry.status == 'interrupted':  # the session ended before the call finished
                            ui.label('interrupted').classes(SMALL_FAINT).mark('tool-interrupted')
                        ui.icon(status_icon).classes(TOOL_STATUS[entry.status])
                with ui.column().classes(TOOL_BODY):
                    ui.label('Input').classes(CAPTION)
                    ui.label(_pretty(entry.input)).classes(BLOCK).classes(STDOUT)
                    if entry.result is not None:
                        ui.label('Error' if entry.is_error else 'Result').classes(CAPTION)
                        ui.label(entry.result).classes(BLOCK).classes(ERROR_BLOCK if entry.is_error else STDOUT) \
                            .style('max-height: 24rem; overflow: auto')
            if entry.name in {'Task', 'Agent'} or entry.children:
                with ui.column().classes(SUBAGENT).mark('subagent') as self.children:
                    pass


def _size(entry: Entry) -> int:
    """Roughly how much text an entry puts in the page."""
    if isinstance(entry, LinesEntry):
        return entry.chars
    if isinstance(entry, TextEntry | ThinkingEntry):
        return len(entry.text)
    if isinstance(entry, ToolEntry):
        return 200 + len(entry.result or '')
    return 100


class TranscriptView:
    """Renders a `Transcript` and applies its changes; holds a window of its top-level entries.

    Positions are absolute (top-level entry `n` stays `n` when the hub lets older entries go). While following the
    tail the window is the latest `WINDOW` entries, fewer when they would put more than `WINDOW_CHARS` of text in
    the page; "Show earlier" pages back through what the hub still holds.
    """

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self._top = transcript.top_level()  # a live list: grows at its end, loses its oldest entries when let go
        self._shown: deque[Entry] = deque()
        """The top-level entries in the page, in order; the first is at position `_start`."""
        self._start = 0
        self._views: dict[int, _EntryView] = {}
        self.following_tail = True
        self.paged = False
        """The window was moved away from the newest entries (the start, a match, a long way back): reaching its
        bottom shows later entries instead of following the tail."""
        self.on_paged: Callable[[bool], None] = lambda paged: None
        """Told when `paged` changes (the scrolling box follows the tail only when it is false)."""
        ui.add_css(CSS)
        with ui.column().classes('w-full gap-2') as self.container:
            self.earlier = ui.button('Show earlier', icon='expand_less', on_click=self.show_earlier) \
                .props('flat dense no-caps').classes('self-center').mark('show-earlier')
            self.let_go = ui.label().classes('self-center text-xs opacity-60').mark('let-go')
            self.body = ui.column().classes('w-full gap-2')
            self.later = ui.button('Show later', icon='expand_more', on_click=self.show_later) \
                .props('flat dense no-caps').classes('self-center').mark('show-later')
        with ui.element('div').classes('hidden') as self.orphanage:
            LiveText()  # so the page loads the live text component up front, not when the first output arrives
            SafeHtml(Html(''))  # and the one that shows the agent's rendered text
        self._start = self._tail_start(self._total)
        self._append(self._start, self._total)
        self._update_earlier()

    @property
    def node_count(self) -> int:
        """Entries in the page (nested ones included)."""
        return len(self._views)

    @property
    def _total(self) -> int:
        return self.transcript.top_dropped + len(self._top)

    @property
    def _end(self) -> int:
        return self._start + len(self._shown)

    def _held(self, start: int, end: int) -> Sequence[Entry]:
        first = self.transcript.top_dropped
        return self._top[max(0, start - first):max(0, end - first)]

    def _tail_start(self, end: int) -> int:
        """Where the window of the latest entries begins when it ends at `end`."""
        first = self.transcript.top_dropped
        start, chars = end, 0
        while start > first and end - start < WINDOW:
            chars += _size(self._top[start - 1 - first])
            if chars > WINDOW_CHARS and start < end:
                break
            start -= 1
        return start

    def _set_paged(self, paged: bool) -> None:
        if paged != self.paged:
            self.paged = paged
            self.on_paged(paged)

    def _update_earlier(self) -> None:
        later = self._total - self._end
        self.later.text = f'Show {min(PAGE, later)} later of {later} entries after these'
        self.later.set_visibility(self.paged and later > 0)
        held = self._start - self.transcript.top_dropped
        self.earlier.text = f'Show {min(PAGE, held)} earlier of {self._start} hidden entries'
        self.earlier.set_visibility(held > 0)
        self.let_go.text = (f'{self._start} earlier entries are no longer kept in the dashboard: download the '
                            'transcript for all of them.')
        self.let_go.set_visibility(held <= 0 < self._start)

    def _render(self, entry: Entry) -> _EntryView:
        view = _EntryView(entry, self)
        self._views[entry.key] = view
        if isinstance(entry, ToolEntry) and view.children is not None:
            with view.children:
                for child in self.transcript.children(entry):
                    self._render(child)
        return view

    def _append(self, start: int, end: int) -> None:
        with self.body:
            for entry in self._held(start, end):
                self._render(entry)
                self._shown.append(entry)

    def _forget(self, entry: Entry) -> None:
        view = self._views.pop(entry.key, None)
        if view is None:
            return
        if isinstance(entry, ToolEntry):
            for child in self.transcript.children(entry):
                self._forget(child)
        view.root.delete()

    def _drop_front(self, count: int) -> None:
        for _ in range(min(count, len(self._shown))):
            self._forget(self._shown.popleft())
            self._start += 1

    def show_earlier(self) -> None:
        """Prepend the previous page of entries; the reader is now reading history, so the tail is not followed."""
        start = max(self.transcript.top_dropped, self._start - PAGE)
        earlier = self._held(start, self._start)
        for index, entry in enumerate(earlier):
            with self.body:
                view = self._render(entry)
            view.root.move(self.body, target_index=index)
        self._shown.extendleft(reversed(earlier))
        self._start -= len(earlier)
        while len(self._shown) > MAX_WINDOW:
            self._forget(self._shown.pop())
            self.following_tail = False
            self._set_paged(True)
        self._update_earlier()

    def show_later(self) -> None:
        """Append the next page of entries to a window moved back in history (dropping its oldest when it grows
        past `MAX_WINDOW`); at the newest entry the window follows the tail again."""
        end = min(self._total, self._end + PAGE)
        self._append(self._end, end)
        if len(self._shown) > MAX_WINDOW:
            self._drop_front(len(self._shown) - MAX_WINDOW)
        if self._end >= self._total:
            self._set_paged(False)
        self._update_earlier()

    def jump_to_start(self) -> None:
        """Show the earliest entries the hub still holds (the page says when earlier ones were let go)."""
        first = self.transcript.top_dropped
        self._drop_front(len(self._shown))
        self._start = first
        self._append(first, min(self._total, first + WINDOW))
        self.following_tail = False
        self._set_paged(self._end < self._total)
        self._update_earlier()

    def show_at(self, position: int) -> _EntryView | None:
        """Page the window to top-level entry `position` (a match found in the session; the tail is no longer
        followed when the window moved); returns its view (None when the hub no longer holds it)."""
        first = self.transcript.top_dropped
        if not first <= position < self._total:
            return None
        if not self._start <= position < self._end:
            self._drop_front(len(self._shown))
            self._start = max(first, position - 10)
            self._append(self._start, min(self._total, self._start + WINDOW))
            self.following_tail = False
            self._set_paged(self._end < self._total)
            self._update_earlier()
        return self._views.get(self._top[position - first].key)

    def view_of(self, entry: Entry) -> _EntryView | None:
        """The view of an entry in the window (nested ones too), if it is shown."""
        return self._views.get(entry.key)

    def jump_to_latest(self) -> None:
        """Show the latest window again (after reading history)."""
        self._drop_front(len(self._shown))
        self._start = self._tail_start(self._total)
        self._append(self._start, self._total)
        self.following_tail = True
        self._set_paged(False)
        self._update_earlier()

    def apply(self, changes: list[Change]) -> bool:
        """Show what changed; returns True when something was added at the end."""
        for change in changes:
            entry = change.entry
            if change.action == 'updated':
                view = self._views.get(entry.key)
                if view is not None:
                    view.update()
            elif entry.parent is not None and entry.key not in self._views:
                parent = self._views.get(entry.parent)
                if parent is not None and parent.children is not None:
                    with parent.children:
                        self._render(entry)
        total = self._total
        if not self.following_tail or self._end >= total:
            if self._end < total:
                self._update_earlier()
            return False
        start = self._tail_start(total)
        if start >= self._end:  # a burst longer than the window: skip what would be trimmed at once
            self._drop_front(len(self._shown))
            self._start = start
        else:
            self._drop_front(start - self._start)
        self._append(self._end, total)  # the reader follows the tail: new top-level entries join the window
        self._update_earlier()
        return True
