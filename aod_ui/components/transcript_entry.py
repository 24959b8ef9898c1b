"""One entry of a structured transcript in the page: a turn, the agent's text, a tool call with its result, output
lines, a notice; its elements are kept so that an update changes them in place.

Prompts and agent output are put into the page as text (labels), never as HTML, except the agent's own text, which
is Markdown rendered on the server to escaped, allowed HTML (`aod_ui.markup`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from nicegui import ui

from .. import format as fmt
from .. import theme
from ..markup import markdown_html
from ..transcript import (
    CUT_OFF,
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
    TurnEntry,
)
from .live_text import LiveText
from .safe_html import SafeHtml

if TYPE_CHECKING:
    from .transcript_view import TranscriptView

__all__ = ['CSS', 'EntryView']

TOOL_ICONS = {'Bash': 'terminal', 'Read': 'description', 'Write': 'edit_document', 'Edit': 'edit',
              'MultiEdit': 'edit', 'Grep': 'search', 'Glob': 'folder_open', 'TodoWrite': 'checklist',
              'Task': 'smart_toy', 'Agent': 'smart_toy', 'WebFetch': 'public', 'WebSearch': 'travel_explore'}
RED = 'bg-red-1 text-red-10'
MESSAGE_STYLES = {'error': ('error', RED),
                  'terminated': ('stop_circle', 'bg-grey-3 text-grey-9'),
                  'stale': ('hourglass_disabled', theme.NOTICE),
                  'notice': ('info', 'bg-blue-1 text-blue-10'),
                  'cut': ('content_cut', 'bg-grey-3 text-grey-9')}
# The classes of transcript entries
MONO = 'font-mono text-xs whitespace-pre-wrap [overflow-wrap:anywhere]'
ROOT = 'w-full'
TURN = 'aod-turn w-full mt-4 text-sm font-semibold text-primary'
PROMPT = 'w-full whitespace-pre-wrap [overflow-wrap:anywhere] rounded-lg p-3 bg-indigo-50 dark:bg-indigo-950 text-sm'
TEXT = 'w-full whitespace-pre-wrap [overflow-wrap:anywhere] leading-relaxed'
THINKING, THINKING_TEXT = 'w-full text-sm opacity-80', 'whitespace-pre-wrap italic'
RESULT = 'w-full items-center gap-4 rounded-lg p-3'
RESULT_OK = 'bg-green-1 text-green-10'
BOLD, SMALL_FAINT, CAPTION = 'font-semibold', 'text-xs opacity-60', 'text-xs font-semibold opacity-60'
FAILED_STAGE = 'w-full rounded p-2'
MESSAGE, MESSAGE_TEXT = 'w-full items-center gap-2 rounded p-2', 'whitespace-pre-wrap'
BLOCK = f'w-full {MONO} rounded p-2'
STDOUT = 'bg-gray-100 dark:bg-gray-800'
STDERR = 'bg-amber-50 text-amber-950 dark:bg-amber-950/40 dark:text-amber-100'
"""Stderr reads as a notice: agents write banners, progress and warnings there. Red is kept for failures."""
STDERR_FAILURE = 'bg-red-50 text-red-900 dark:bg-red-950 dark:text-red-200'
ERROR_BLOCK = 'bg-red-50 dark:bg-red-950'
TOOL, TOOL_HEADER = 'w-full p-0 gap-0 shadow-none border', 'w-full items-center gap-2 no-wrap'
TOOL_ICON, TOOL_NAME = 'text-primary', 'font-mono text-sm truncate flex-1'
STATUS_ICONS = {'pending': 'more_horiz', 'done': 'check', 'error': 'close', 'interrupted': 'block'}
TOOL_STATUS = {'pending': 'text-grey-6', 'done': 'text-positive', 'error': 'text-negative',
               'interrupted': 'text-grey-6'}
TOOL_BODY = 'w-full gap-1 px-3 pb-2'
SUBAGENT = 'self-stretch gap-2 border-l-4 border-indigo-200 ml-3 pl-3 pr-2 pb-2'
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


class EntryView:
    """The elements of one entry, kept so that an update changes them in place."""

    def __init__(self, entry: Entry, view: TranscriptView) -> None:
        self.entry = entry
        self.view = view
        self.children: ui.column | None = None
        self.expanded = False
        self.output: LiveText | None = None
        """The element of a block of output lines, which is the entry's whole view (output only ever grows)."""
        self.html: SafeHtml | None = None
        """The element of the agent's own text, which is the entry's whole view."""
        self.tool: _ToolParts | None = None
        self.root: ui.element
        if isinstance(entry, LinesEntry):
            self.root = self.output = self._lines(entry)
            return
        if isinstance(entry, TextEntry) and entry.role == 'assistant':
            # one element, not a box around one: every viewer builds every new entry, and most entries are this
            self.root = self.html = SafeHtml(markdown_html(entry.text)).classes(ROOT).mark('assistant-text')
            return
        with ui.element('div').classes(ROOT) as self.root:
            self._build()
        self._hide_if_empty()

    def _hide_if_empty(self) -> None:
        """An entry with nothing to show (a provisioning stage that went well) takes no room in the column."""
        self.root.set_visibility(bool(self.root.default_slot.children))

    def update(self) -> None:
        entry = self.entry
        if self.output is not None and isinstance(entry, LinesEntry):
            self.output.set_text(entry.text)  # merged output lines grow in place: only the new lines are sent
            return
        if self.html is not None and isinstance(entry, TextEntry):
            self.html.set_html(markdown_html(entry.text))
            return
        if self.tool is not None and isinstance(entry, ToolEntry) and self.tool.update(entry, self.expanded):
            return  # a tool call changes in place: its status, its result, opened or not
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
        self.tool = None
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
        with ui.card().classes(TOOL).props('flat bordered').mark('tool'):
            with ui.expansion(value=self.expanded).classes('w-full').props('dense') as expansion:
                expansion.on_value_change(lambda e: setattr(self, 'expanded', e.value))
                with expansion.add_slot('header'), ui.row().classes(TOOL_HEADER):
                    ui.icon(TOOL_ICONS.get(entry.name, 'build')).classes(TOOL_ICON)
                    name = ui.label().classes(TOOL_NAME)
                    status = ui.row().classes('items-center gap-2 no-wrap')
                with ui.column().classes(TOOL_BODY):
                    ui.label('Input').classes(CAPTION)
                    given = ui.label().classes(BLOCK).classes(STDOUT)
                    result = ui.column().classes('w-full gap-1')
            nested = entry.name in {'Task', 'Agent'} or bool(entry.children)
            if nested:
                with ui.column().classes(SUBAGENT).mark('subagent') as self.children:
                    pass
        self.tool = _ToolParts(expansion, name, status, given, result, nested)
        self.tool.update(entry, self.expanded)


class _ToolParts:
    """The parts of a tool call's card that change, each changed only when what it shows did (every viewer's page
    changes with them)."""

    def __init__(self, expansion: ui.expansion, name: ui.label, status: ui.row, given: ui.label, result: ui.column,
                 nested: bool) -> None:
        self.expansion, self.name, self.status, self.given, self.result = expansion, name, status, given, result
        self.nested = nested
        self._shown: dict[str, Any] = {}

    def update(self, entry: ToolEntry, expanded: bool) -> bool:
        """Show the call as it is now; False when the card must be built again (it now has a subagent's entries)."""
        if not self.nested and entry.children:
            return False
        if self.expansion.value != expanded:
            self.expansion.value = expanded
        title = entry.summary or entry.name
        if self._changed('title', title):
            self.expansion.props['toggle-aria-label'] = title  # what the header shows
            self.name.text = title
        if self._changed('status', entry.status):
            self.status.clear()
            with self.status:
                if entry.status == 'pending':
                    ui.spinner(size='xs')
                else:
                    if entry.status == 'interrupted':  # the session ended before the call finished
                        ui.label('interrupted').classes(SMALL_FAINT).mark('tool-interrupted')
                    ui.icon(STATUS_ICONS[entry.status]).classes(TOOL_STATUS[entry.status])
        given = _pretty(entry.input)
        if self._changed('input', given):
            self.given.text = given
        if self._changed('result', (entry.result, entry.is_error)):
            self.result.clear()
            self.result.set_visibility(entry.result is not None)
            if entry.result is not None:
                with self.result:
                    ui.label('Error' if entry.is_error else 'Result').classes(CAPTION)
                    ui.label(entry.result).classes(BLOCK).classes(ERROR_BLOCK if entry.is_error else STDOUT) \
                        .style('max-height: 24rem; overflow: auto')
        return True

    def _changed(self, part: str, value: Any) -> bool:
        if part in self._shown and self._shown[part] == value:
            return False
        self._shown[part] = value
        return True
