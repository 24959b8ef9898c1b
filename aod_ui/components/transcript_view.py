"""The structured transcript of a session, windowed: only the latest entries (or the page the reader went back to)
are in the page, so a 100,000-line session stays as light as a short one.

Every piece of agent output and every prompt is put into the page as text (labels), never as HTML.
"""

from __future__ import annotations

import json
from typing import Any

from nicegui import ui

from .. import format as fmt
from ..transcript import (
    Change,
    Entry,
    ExitEntry,
    LinesEntry,
    MessageEntry,
    ResultEntry,
    StageEntry,
    SystemEntry,
    TextEntry,
    ThinkingEntry,
    ToolEntry,
    Transcript,
    TurnEntry,
)

__all__ = ['TranscriptView']

WINDOW = 120
"""How many top-level entries the page holds while following the tail."""
PAGE = 120
"""How many earlier entries one "show earlier" adds."""
MAX_WINDOW = 600

TOOL_ICONS = {'Bash': 'terminal', 'Read': 'description', 'Write': 'edit_document', 'Edit': 'edit',
              'MultiEdit': 'edit', 'Grep': 'search', 'Glob': 'folder_open', 'TodoWrite': 'checklist',
              'Task': 'smart_toy', 'Agent': 'smart_toy', 'WebFetch': 'public', 'WebSearch': 'travel_explore'}
MESSAGE_STYLES = {'error': ('error', 'bg-red-1 text-red-10'), 'terminated': ('stop_circle', 'bg-grey-3 text-grey-9'),
                  'stale': ('hourglass_disabled', 'bg-amber-1 text-amber-10'),
                  'notice': ('info', 'bg-blue-1 text-blue-10')}
MONO = 'font-mono text-xs whitespace-pre-wrap [overflow-wrap:anywhere]'


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
        self.text_label: ui.label | None = None
        with ui.element('div').classes('w-full') as self.root:
            self._build()

    def update(self) -> None:
        if self.text_label is not None and isinstance(self.entry, LinesEntry):
            self.text_label.text = self.entry.text  # merged output lines grow in place: one text change, no rebuild
            return
        children = self.children
        kept = list(children.default_slot.children) if children is not None else []
        for element in kept:
            element.move(self.view.orphanage)
        self.root.clear()
        with self.root:
            self._build()
        if self.children is not None:
            for element in kept:
                element.move(self.children)

    def _build(self) -> None:
        entry = self.entry
        self.children = None
        if isinstance(entry, TurnEntry):
            with ui.row().classes('w-full items-center gap-2 mt-4'):
                ui.separator().classes('w-4')
                ui.label(f'Turn {entry.number}').classes('text-sm font-semibold text-primary')
                ui.separator().classes('flex-1')
            if entry.prompt:
                ui.label(entry.prompt).classes('w-full whitespace-pre-wrap rounded-lg p-3 bg-indigo-50 '
                                               'dark:bg-indigo-950 text-sm').mark('turn-prompt')
        elif isinstance(entry, TextEntry):
            ui.label(entry.text).classes('w-full whitespace-pre-wrap leading-relaxed').mark('assistant-text')
        elif isinstance(entry, ThinkingEntry):
            with ui.expansion('Thinking', icon='psychology').classes('w-full text-sm opacity-80') \
                    .props('dense header-class="px-1"'):
                ui.label(entry.text).classes('whitespace-pre-wrap italic')
        elif isinstance(entry, ToolEntry):
            self._tool(entry)
        elif isinstance(entry, ResultEntry):
            color = 'bg-red-1 text-red-10' if entry.is_error else 'bg-green-1 text-green-10'
            with ui.row().classes(f'w-full items-center gap-4 rounded-lg p-3 {color}').mark('result'):
                ui.icon('error' if entry.is_error else 'flag')
                ui.label('Finished with an error' if entry.is_error else 'Finished').classes('font-semibold')
                ui.label(f'Cost {fmt.cost(entry.cost_usd)}')
                ui.label(f'Duration {fmt.duration(entry.duration_ms / 1000 if entry.duration_ms else None)}')
                if entry.num_turns is not None:
                    ui.label(f'{entry.num_turns} agent turns')
        elif isinstance(entry, SystemEntry):
            parts = [p for p in (entry.subtype, entry.model,
                                 f'{entry.tools_count} tools' if entry.tools_count is not None else '',
                                 entry.text) if p]
            ui.label(' · '.join(parts)).classes('text-xs opacity-60')
        elif isinstance(entry, LinesEntry):
            stderr = entry.kind == 'stderr'
            self.text_label = ui.label(entry.text).classes(f'w-full {MONO} rounded p-2 ' + (
                'bg-red-50 text-red-900 dark:bg-red-950 dark:text-red-200' if stderr
                else 'bg-grey-2 dark:bg-grey-9')).mark('stderr' if stderr else 'stdout')
        elif isinstance(entry, ExitEntry):
            ok = entry.code == 0
            ui.chip(f'Agent exited with code {entry.code}', icon='check' if ok else 'error',
                    color='positive' if ok else 'negative', text_color='white').props('dense')
        elif isinstance(entry, StageEntry):
            if entry.state == 'failed':
                ui.label(f'Provisioning failed at {entry.name}: {entry.message or ""}') \
                    .classes('w-full rounded p-2 bg-red-1 text-red-10')
        elif isinstance(entry, MessageEntry):
            icon, colors = MESSAGE_STYLES.get(entry.kind, MESSAGE_STYLES['notice'])
            with ui.row().classes(f'w-full items-center gap-2 rounded p-2 {colors}'):
                ui.icon(icon)
                ui.label(entry.message or entry.kind).classes('whitespace-pre-wrap')

    def _tool(self, entry: ToolEntry) -> None:
        status_icon = {'pending': 'more_horiz', 'done': 'check', 'error': 'close'}[entry.status]
        status_color = {'pending': 'text-grey-6', 'done': 'text-positive', 'error': 'text-negative'}[entry.status]
        with ui.card().classes('w-full p-0 gap-0 shadow-none border').props('flat bordered').mark('tool'):
            with ui.expansion(value=self.expanded).classes('w-full').props('dense') as expansion:
                expansion.on_value_change(lambda e: setattr(self, 'expanded', e.value))
                with expansion.add_slot('header'), ui.row().classes('w-full items-center gap-2 no-wrap'):
                    ui.icon(TOOL_ICONS.get(entry.name, 'build')).classes('text-primary')
                    ui.label(entry.summary or entry.name).classes('font-mono text-sm truncate flex-1')
                    if entry.status == 'pending':
                        ui.spinner(size='xs')
                    else:
                        ui.icon(status_icon).classes(status_color)
                with ui.column().classes('w-full gap-1 px-3 pb-2'):
                    ui.label('Input').classes('text-xs font-semibold opacity-60')
                    ui.label(_pretty(entry.input)).classes(f'w-full {MONO} bg-grey-2 dark:bg-grey-9 rounded p-2')
                    if entry.result is not None:
                        ui.label('Error' if entry.is_error else 'Result').classes('text-xs font-semibold opacity-60')
                        ui.label(entry.result).classes(f'w-full {MONO} rounded p-2 ' + (
                            'bg-red-50 dark:bg-red-950' if entry.is_error else 'bg-grey-2 dark:bg-grey-9')) \
                            .style('max-height: 24rem; overflow: auto')
            if entry.name in {'Task', 'Agent'} or entry.children:
                with ui.column().classes('w-full gap-2 border-l-4 border-indigo-200 ml-3 pl-3 pr-2 pb-2') \
                        .mark('subagent') as self.children:
                    pass


class TranscriptView:
    """Renders a `Transcript` and applies its changes; holds a window `[start, end)` of its top-level entries."""

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self._top = transcript.top_level()  # a live list that only grows at its end
        self._views: dict[int, _EntryView] = {}
        self.following_tail = True
        with ui.column().classes('w-full gap-2') as self.container:
            self.earlier = ui.button('Show earlier', icon='expand_less', on_click=self.show_earlier) \
                .props('flat dense no-caps').classes('self-center').mark('show-earlier')
            self.body = ui.column().classes('w-full gap-2')
        self.orphanage = ui.element('div').classes('hidden')
        self._start = self._end = max(0, len(self._top) - WINDOW)
        self._extend_to(len(self._top))
        self._update_earlier()

    @property
    def node_count(self) -> int:
        """Entries in the page (nested ones included)."""
        return len(self._views)

    def _update_earlier(self) -> None:
        self.earlier.text = f'Show {min(PAGE, self._start)} earlier of {self._start} hidden entries'
        self.earlier.set_visibility(self._start > 0)

    def _render(self, entry: Entry) -> _EntryView:
        view = _EntryView(entry, self)
        self._views[entry.key] = view
        if isinstance(entry, ToolEntry) and view.children is not None:
            with view.children:
                for child in self.transcript.children(entry):
                    self._render(child)
        return view

    def _extend_to(self, end: int) -> None:
        with self.body:
            for entry in self._top[self._end:end]:
                self._render(entry)
        self._end = end

    def _forget(self, entry: Entry) -> None:
        view = self._views.pop(entry.key, None)
        if view is None:
            return
        if isinstance(entry, ToolEntry):
            for child in self.transcript.children(entry):
                self._forget(child)
        view.root.delete()

    def show_earlier(self) -> None:
        """Prepend the previous page of entries; the reader is now reading history, so the tail is not followed."""
        start = max(0, self._start - PAGE)
        for index, entry in enumerate(self._top[start:self._start]):
            with self.body:
                view = self._render(entry)
            view.root.move(self.body, target_index=index)
        self._start = start
        while self._end - self._start > MAX_WINDOW:
            self._end -= 1
            self._forget(self._top[self._end])
            self.following_tail = False
        self._update_earlier()

    def jump_to_latest(self) -> None:
        """Show the latest window again (after reading history)."""
        for entry in self._top[self._start:self._end]:
            self._forget(entry)
        self._start = self._end = max(0, len(self._top) - WINDOW)
        self._extend_to(len(self._top))
        self.following_tail = True
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
        if not self.following_tail or self._end >= len(self._top):
            if self._end < len(self._top):
                self._update_earlier()
            return False
        target = len(self._top)
        if target - WINDOW > self._end:  # a burst longer than the window: skip what would be trimmed at once
            for entry in self._top[self._start:self._end]:
                self._forget(entry)
            self._start = self._end = target - WINDOW
        self._extend_to(target)  # the reader follows the tail: new top-level entries join the window
        if self._end - self._start > WINDOW:
            for entry in self._top[self._start:self._end - WINDOW]:
                self._forget(entry)
            self._start = self._end - WINDOW
        self._update_earlier()
        return True
