"""Find in a session: the searched words in the transcript (or the raw output, on its tab), with next and previous.

The matches are looked for in everything the session's hub holds, not only in the window the page shows: going to
a match pages the transcript's (or the raw view's) window there, marks the words in the browser (`find.js`, with
text ranges, so nothing becomes markup) and scrolls to it. Lines the hub no longer holds (a long session keeps about
`AOD_UI_STREAM_HOLD` of its latest) are found through the search index and listed below, in their context, each
opening the page at that line (shown from the archive).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nicegui import ui

from ..errors import AodUiError
from ..search import Hit, parse_query
from ..services import Actor, SearchService
from ..transcript import Entry, ToolEntry, Transcript, entry_text
from .raw_view import RawView
from .search_line import SearchLine
from .search_results import link
from .transcript_view import TranscriptView

__all__ = ['FindBar']

JS = (Path(__file__).parent / 'find.js').read_text(encoding='utf-8')
CSS = '''
::highlight(aod-find) { background-color: #fde68a; color: #1f2937; }
::highlight(aod-find-current) { background-color: #f97316; color: #ffffff; }
'''
EARLIER_SHOWN = 20


@dataclass(frozen=True)
class Match:
    position: int
    """The top-level entry's position (transcript), or the line's (raw output)."""
    entry: Entry | None = None
    """The entry holding the words (the tool a subagent's entry is nested under is `position`)."""


class FindBar:
    """A search field with next/previous over one session's transcript and raw output."""

    def __init__(self, finder: SearchService, actor: Actor, session_id: str, transcript: Transcript,
                 view: TranscriptView, raw: RawView, *, raw_shown: Callable[[], bool],
                 left_tail: Callable[[], None] = lambda: None, query: str = '', at: int | None = None) -> None:
        self.finder, self.actor, self.session_id = finder, actor, session_id
        self.transcript, self.view, self.raw = transcript, view, raw
        self.raw_shown = raw_shown
        self.left_tail = left_tail
        """Told when going to a match paged the transcript away from its tail (the page offers the way back)."""
        self.words: tuple[str, ...] = ()
        self.matches: list[Match] = []
        self.index = -1
        ui.add_css(CSS)
        ui.run_javascript(JS)
        with ui.row().classes('w-full items-center gap-1 no-wrap').mark('find-bar'):
            self.input = ui.input(placeholder='Find in this session', value=query) \
                .props('dense outlined clearable debounce=300').classes('flex-1 min-w-0').mark('find')
            self.count = ui.label().classes('text-xs opacity-70 whitespace-nowrap').mark('find-count')
            self.previous = ui.button(icon='keyboard_arrow_up', on_click=lambda: self.step(-1)) \
                .props('flat dense round aria-label="Previous match"').tooltip('Previous match').mark('find-previous')
            self.next = ui.button(icon='keyboard_arrow_down', on_click=lambda: self.step(1)) \
                .props('flat dense round aria-label="Next match"').tooltip('Next match').mark('find-next')
        self.earlier = ui.column().classes('w-full gap-1').mark('find-earlier')
        self.input.on_value_change(self.search)
        self.input.on('keydown.enter', lambda: self.step(1))
        self._at = at

    # -- finding ------------------------------------------------------------------------------------------------

    async def search(self) -> None:
        """Look for the field's words again (after typing, or when the tab changed)."""
        needle = (self.input.value or '').strip()
        self.words = (needle,) if parse_query(needle) else ()  # found as typed, like a browser's find
        self.matches = self._raw_matches() if self.raw_shown() else self._transcript_matches()
        self.index = -1
        if self.matches:
            self.index = self._nearest(self._at) if self._at is not None else 0
            self._at = None
            self.go()
        else:
            self._mark(None, None)
        self._update_count()
        await self._show_earlier()

    def step(self, delta: int) -> None:
        if not self.matches:
            return
        self.index = (self.index + delta) % len(self.matches)
        self.go()
        self._update_count()

    def go(self) -> None:
        match = self.matches[self.index]
        if self.raw_shown():
            found = self.raw.show_line(match.position)
            if found is not None:
                self._mark(found[0].id, found[1])
            return
        view = self.view.show_at(match.position)
        if not self.view.following_tail:
            self.left_tail()
        target = self.view.view_of(match.entry) if match.entry is not None else view
        for shown in {view, target} - {None}:
            if isinstance(shown.entry, ToolEntry) and not shown.expanded:  # type: ignore[union-attr]
                shown.expanded = True  # type: ignore[union-attr]
                shown.update()  # type: ignore[union-attr]
        if target is not None:
            self._mark(target.root.id, None)

    def _transcript_matches(self) -> list[Match]:
        if not self.words:
            return []
        needle = self.words[0].lower()
        found: list[Match] = []
        first = self.transcript.top_dropped
        for offset, entry in enumerate(self.transcript.top_level()):
            for item in [entry, *self._nested(entry)]:
                if needle in entry_text(item).lower():
                    found.append(Match(first + offset, item))
        return found

    def _nested(self, entry: Entry) -> list[Entry]:
        found: list[Entry] = []
        for child in self.transcript.children(entry):
            found += [child, *self._nested(child)]
        return found

    def _raw_matches(self) -> list[Match]:
        if not self.words:
            return []
        needle = self.words[0].lower()
        lines = self.raw.lines
        return [Match(lines.first + offset) for offset, text in enumerate(lines.texts(lines.first))
                if needle in text.lower()]

    def _nearest(self, cursor: int) -> int:
        """The first match at or after the stream event `cursor` (a search result's line), else the last one."""
        for number, match in enumerate(self.matches):
            event_id = match.entry.event_id if match.entry is not None else None
            if event_id is not None and event_id >= cursor:
                return number
        return len(self.matches) - 1

    def _mark(self, target: int | None, line: int | None) -> None:
        root = self.raw.body.id if self.raw_shown() else self.view.container.id
        ui.run_javascript(f'window.aodFind?.({root}, {json.dumps(list(self.words))}, {json.dumps(target)}, '
                          f'{json.dumps(line)})')

    def _update_count(self) -> None:
        self.count.text = (f'{self.index + 1} of {len(self.matches)}' if self.matches else
                           'No matches' if self.words else '')
        self.previous.enabled = self.next.enabled = len(self.matches) > 1

    # -- what the page no longer holds --------------------------------------------------------------------------

    async def _show_earlier(self) -> None:
        """Matches in output the hub has let go, from the search index, each in its context."""
        self.earlier.clear()
        lines = self.transcript.raw.lines
        if not self.words or (lines.first == 0 and self.transcript.top_dropped == 0 and self.transcript.raw.complete):
            return
        try:
            results, indexed = await self.finder.in_session(self.actor, self.session_id, self.input.value or '')
        except AodUiError as error:
            with self.earlier:
                ui.label(str(error)).classes('text-xs text-negative')
            return
        # the hub holds the session's latest lines, cut as the index cut them: earlier ones are before this line
        held_from = indexed - (lines.line_count - lines.first)
        earlier: list[Hit] = sorted((hit for hit in results.hits if 0 <= hit.line < held_from), key=lambda h: h.line)
        if not earlier:
            return
        if not self.matches:  # not "No matches": the words are there, only earlier than what the page holds
            self.count.text = f'{len(earlier)} in earlier output'
        with self.earlier:
            ui.label(f'{len(earlier)} {"match" if len(earlier) == 1 else "matches"} in earlier output this page no '
                     'longer holds live (open one to read it from the archive):').classes('text-xs opacity-70')
            for hit in earlier[:EARLIER_SHOWN]:
                with ui.link(target=link(hit, self.input.value or '')).classes('w-full no-underline text-inherit'):
                    SearchLine(hit, results.words)
