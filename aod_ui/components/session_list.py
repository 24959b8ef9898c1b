"""The sessions list: filters, transcript search results and the table, kept up to date while the page is open."""

from __future__ import annotations

from collections.abc import Mapping

from nicegui import ui

from .. import theme
from ..errors import AodUiError
from ..system import System
from .empty_sessions import EmptySessions
from .page_guard import PageGuard
from .search_results import SearchResults
from .session_filters import SessionFilters
from .session_table import SessionTable

__all__ = ['SessionList']


class SessionList:
    """Loads the sessions the person may see (again every `AOD_UI_REFRESH_SECONDS`), with the rights of that moment:
    a person demoted, disabled or signed out since gets nothing more (the guard takes the page down). The list is
    what its address (`query`) says, and the address follows every change of the filters and the page shown (in
    place: no reload, no new history entry), so a copied link opens the same view."""

    def __init__(self, system: System, guard: PageGuard, query: Mapping[str, str]) -> None:
        self.system, self.guard = system, guard
        actor = guard.presence.actor
        self.filters = SessionFilters(actor, query, on_change=lambda: self.changed(first_page=True))
        self.problem = ui.label().classes(f'{theme.PROBLEM} w-full p-2').mark('problem')
        self.problem.set_visibility(False)
        self.empty = EmptySessions(actor)
        self.results = SearchResults(system.finder, actor, lambda: guard.allows())
        page = query.get('page', '1')
        self.table = SessionTable(int(page) if page.isdigit() else 1,
                                  on_page=lambda: self.changed(first_page=False))

    async def start(self) -> None:
        """Load the list, then again every `AOD_UI_REFRESH_SECONDS`. The address names the view in full from the
        start (the scope too, whose default differs by role)."""
        self.sync_url()
        await self.load()
        ui.timer(self.system.settings.refresh_seconds, self.load)

    async def load(self) -> None:
        if not self.guard.allows():
            return
        try:
            rows = await self.system.sessions.list(self.guard.presence.actor)
            if not self.guard.allows():
                return
        except AodUiError as error:
            self.problem.text = f'{error} The list shows what was last loaded and keeps retrying.'
            self.problem.set_visibility(True)
            return
        self.problem.set_visibility(False)
        self.empty.set_visibility(not rows)
        self.table.set_visibility(bool(rows))
        self.filters.show_choices(bool(rows))
        chosen = self.filters.filter
        self.filters.offer(rows)
        matching = chosen.apply(rows)
        self.filters.count.text = f'{len(matching)} of {len(chosen.chosen(rows))} sessions'
        self.table.show_rows(matching)
        # the list first, then the transcripts: a search through the archive never holds the list back
        listed = {r.id for r in chosen.listed(rows)}
        await self.results.show(chosen.query, lambda r: r.id in listed, key=tuple(sorted(listed)))

    def sync_url(self) -> None:
        ui.navigate.history.replace(self.filters.address(self.table.page))

    async def changed(self, first_page: bool) -> None:
        if first_page:
            self.table.page = 1
        self.sync_url()
        await self.load()
