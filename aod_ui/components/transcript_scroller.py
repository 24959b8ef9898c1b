"""The transcript's scrolling box: the browser's own scrolling (`overflow-y: auto`), kept at its end while the reader
is there and sized to the window, by the element's script (`transcript_scroller.js`), with no message per push.

A scroll area drawn by a component re-rendered and laid the page out two more times on every push (its bar follows
the text), which doubled what a live page cost its browser; so this is a plain element with a small script.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

__all__ = ['TranscriptScroller']


class TranscriptScroller(ui.element, component='transcript_scroller.js'):
    """`on_follow(on)` hears when the reader leaves the end (`False`) or comes back to it (`True`)."""

    def __init__(self, on_follow: Callable[[bool], None]) -> None:
        super().__init__()
        self.on('follow', lambda event: on_follow(bool((event.args or {}).get('on'))))

    def keep_in_view(self, element: ui.element) -> None:
        """Size the box so that `element`, below it, stays in the window too (the follow-up box)."""
        self._props['keep'] = element.id
        self.update()

    def set_paged(self, paged: bool) -> None:
        """Whether the transcript shows a page of its history: then the box's bottom is not the live tail."""
        if self._props.get('paged') != paged:
            self._props['paged'] = paged
            self.update()

    def to_end(self) -> None:
        """Scroll to the end and follow it from there."""
        self.run_method('toEnd')

    def to_start(self) -> None:
        """Scroll to the top (the reader went back to the start: no more following)."""
        self.run_method('toStart')
