"""The structured transcript of a session, windowed: only the latest entries (or the page the reader went back to)
are in the page, so a 100,000-line session stays as light as a short one.

Each entry is built by `transcript_entry.EntryView`: every piece of agent output and every prompt is put into the page
as text (labels), never as HTML, except the agent's own text, which is Markdown rendered on the server to escaped,
allowed HTML (`aod_ui.markup`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

from nicegui import ui

from ..markup import Html
from ..transcript import Change, Entry, LinesEntry, TextEntry, ThinkingEntry, ToolEntry, Transcript
from .live_text import LiveText
from .safe_html import SafeHtml
from .transcript_entry import CSS, EntryView

__all__ = ['TranscriptView']

WINDOW = 120
"""How many top-level entries the page holds while following the tail."""
WINDOW_CHARS = 30_000
"""About how much text those entries may put in the page (the latest entry is always shown)."""
PAGE = 120
"""How many earlier entries one "show earlier" adds."""
MAX_WINDOW = 600


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
        self._views: dict[int, EntryView] = {}
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
        # called on every push: a hidden control's words are left as they were (each change goes to every viewer)
        later = self._total - self._end
        self.later.set_visibility(self.paged and later > 0)
        if self.later.visible:
            self.later.text = f'Show {min(PAGE, later)} later of {later} entries after these'
        held = self._start - self.transcript.top_dropped
        self.earlier.set_visibility(held > 0)
        if self.earlier.visible:
            self.earlier.text = f'Show {min(PAGE, held)} earlier of {self._start} hidden entries'
        self.let_go.set_visibility(held <= 0 < self._start)
        if self.let_go.visible:
            self.let_go.text = (f'{self._start} earlier entries are no longer kept in the dashboard: download the '
                                'transcript for all of them.')

    def _render(self, entry: Entry) -> EntryView:
        view = EntryView(entry, self)
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

    def show_at(self, position: int) -> EntryView | None:
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

    def view_of(self, entry: Entry) -> EntryView | None:
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
