"""The exact output of a session, line by line, windowed: the page holds at most `WINDOW` lines at a time, in
blocks of `BLOCK` lines (one text element each), and follows the tail until the reader pages back. Line numbers are
absolute; lines the hub has let go are offered as a download instead."""

from __future__ import annotations

from nicegui import ui

from ..transcript import LineIndex, RawLine
from .live_text import LiveText

__all__ = ['RawView']

BLOCK = 100
WINDOW = 2000


def _text(lines: list[RawLine]) -> str:
    return '\n'.join(('! ' if line.stream == 'stderr' else '') + line.text for line in lines)


class RawView:
    """Shows lines `[start, start + WINDOW)` of a `LineIndex`, or its tail while following."""

    def __init__(self, lines: LineIndex) -> None:
        self.lines = lines
        self.start = self._tail()
        self.following = True
        self.active = False
        self._stale = True
        with ui.column().classes('w-full gap-0') as self.container:
            with ui.row().classes('w-full items-center gap-2'):
                self.info = ui.label().classes('text-xs opacity-60 flex-1').mark('raw-info')
                self.back = ui.button('Earlier', icon='chevron_left', on_click=lambda: self.go(-WINDOW)) \
                    .props('flat dense no-caps').mark('raw-earlier')
                self.forward = ui.button('Later', icon='chevron_right', on_click=lambda: self.go(WINDOW)) \
                    .props('flat dense no-caps').mark('raw-later')
            self.body = ui.column().classes('w-full gap-0 font-mono text-xs whitespace-pre-wrap '
                                            '[overflow-wrap:anywhere] '
                                            'bg-grey-10 text-grey-3 rounded p-3').mark('raw')
        self._blocks: list[LiveText] = []
        self._block_start: list[int] = []

    def set_active(self, active: bool) -> None:
        """The raw view renders only while its tab is shown; new output just marks it stale meanwhile."""
        self.active = active
        if active and self._stale:
            if self.following:
                self.start = self._tail()
            self.render()

    def _tail(self) -> int:
        return max(self.lines.first, self.lines.line_count - WINDOW)

    def render(self) -> None:
        self._stale = False
        self.start = max(self.start, self.lines.first)
        self.body.clear()
        self._blocks, self._block_start = [], []
        end = min(self.lines.line_count, self.start + WINDOW)
        with self.body:
            for first in range(self.start, end, BLOCK):
                self._blocks.append(LiveText(_text(self.lines.lines(first, min(end, first + BLOCK)))))
                self._block_start.append(first)
        self._update_info(end)

    def _update_info(self, end: int) -> None:
        total = self.lines.line_count
        first = self.lines.first
        self.info.text = (f'Lines {self.start + 1}–{end} of {total}' if total else 'No output yet.') + (
            '' if self.following else ' · paused; "Later" goes back to the live tail') + (
            f' · the first {first} lines are no longer kept here: download the raw output for them'
            if first and self.start <= first else '')
        self.back.set_visibility(self.start > first)
        self.forward.set_visibility(end < total)

    def go(self, delta: int) -> None:
        total = self.lines.line_count
        self.start = min(max(self.lines.first, self.start + delta), self._tail())
        self.following = self.start + WINDOW >= total
        self.render()

    def show_line(self, line: int) -> tuple[LiveText, int] | None:
        """Page the window to a line (a match found in the session), holding it still there; returns the block
        that shows it and the line's place in that block (None when the hub no longer holds the line)."""
        if not self.lines.first <= line < self.lines.line_count:
            return None
        if not self.start <= line < self.start + WINDOW:
            self.start = max(self.lines.first, line - line % BLOCK - WINDOW // 2)
        self.following = self.start + WINDOW >= self.lines.line_count
        self.render()
        for block, first in zip(self._blocks, self._block_start, strict=True):
            if first <= line < first + BLOCK:
                return block, line - first
        return None

    def grow(self) -> None:
        """New lines arrived: extend the tail while following."""
        total = self.lines.line_count
        if not self.active:
            self._stale = True
            return
        if not self.following:
            self._update_info(min(total, self.start + WINDOW))
            return
        if total - self.start > WINDOW:  # slide the window by whole blocks
            self.start = self._tail()
            self.start = max(self.lines.first, self.start - self.start % BLOCK)
            self.render()
            return
        last = self._block_start[-1] if self._block_start else self.start
        with self.body:
            if not self._blocks:
                self._blocks.append(LiveText())
                self._block_start.append(last)
            while True:
                stop = min(total, last + BLOCK)
                self._blocks[-1].set_text(_text(self.lines.lines(last, stop)))
                if stop - last < BLOCK or stop >= total:
                    break
                last = stop
                self._blocks.append(LiveText())
                self._block_start.append(last)
        self._update_info(total)
