"""One line of the session header: how many files and lines the agent changed, and the pull requests, commits and
branches it reported (as links to GitHub)."""

from __future__ import annotations

from nicegui import ui

from ..transcript import ChangeSet
from .changes_view import link_chips, summary_text

__all__ = ['ChangeFacts']


class ChangeFacts(ui.row):
    """`refresh()` after every push; hidden while the agent changed nothing and reported no link."""

    def __init__(self, changes: ChangeSet) -> None:
        super().__init__()
        self.changes = changes
        self.revision = -1
        self.classes('items-center gap-2 text-sm').mark('change-facts')
        with self:
            ui.icon('difference').classes('opacity-60')
            self.text = ui.label().classes('whitespace-nowrap').mark('change-counts')
            self.links = ui.row().classes('items-center gap-1')
        self.refresh()

    def refresh(self) -> None:
        if self.changes.revision == self.revision:
            return
        self.revision = self.changes.revision
        summary = self.changes.summary()
        self.text.text = summary_text(summary)
        self.links.clear()
        with self.links:
            link_chips(summary)
        self.set_visibility(not summary.empty)
