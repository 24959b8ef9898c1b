"""Matches of a search in what agents said and did, across the sessions of the list: ranked, paged, each in its
context, each opening its session at that line. The list's filters (scope, person, status, agent, days created)
narrow it. Which sessions may be searched is decided by the service at every search."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from nicegui import ui

from .. import format as fmt
from .. import theme
from ..errors import AodUiError
from ..search import Hit
from ..services import Actor, SearchService, SessionRow
from .search_line import SearchLine

__all__ = ['SearchResults']

PAGE_SIZE = 20


def link(hit: Hit, query: str) -> str:
    """The session's page, opened at the matching line (found there by the stream event that completed it)."""
    params: dict[str, str | int] = {'find': query}
    if hit.cursor is not None:
        params['at'] = hit.cursor
    if hit.line >= 0:
        params['line'] = hit.line  # the page shows it from the archive when it no longer holds it
    return f'/sessions/{hit.session_id}?{urlencode(params)}'


class SearchResults(ui.column):
    """Results of a transcript search; `show(query, within)` searches again when something changed."""

    def __init__(self, finder: SearchService, actor: Actor, allowed: Callable[[], bool]) -> None:
        super().__init__()
        self.finder, self.actor, self.allowed = finder, actor, allowed
        self.key: tuple | None = None
        self.query = ''
        self.within: Callable[[SessionRow], bool] = lambda row: True
        self.page = 1
        self.classes('w-full gap-2').mark('search-results')
        with self:
            with ui.row().classes('w-full items-center gap-3 flex-wrap'):
                ui.label('In transcripts').classes('text-lg font-semibold')
                ui.space()
                self.count = ui.label().classes('text-sm opacity-70').mark('search-count')
            self.note = ui.label().classes(f'w-full text-sm {theme.NOTICE} rounded p-2').mark('search-note')
            self.body = ui.column().classes('w-full gap-3')
            self.pager = ui.pagination(1, 1, direction_links=True, value=1).mark('search-pager')
        self.pager.on_value_change(lambda e: self._to_page(e.value))
        self.set_visibility(False)

    async def show(self, query: str, within: Callable[[SessionRow], bool], *, key: tuple = (),
                   force: bool = False) -> None:
        """Search for `query` in the list's sessions that `within` keeps; `key` says what the filters are, so the
        list's periodic refresh searches again only when they (or the query) changed."""
        full_key = (query, key)
        if full_key == self.key and not force:
            return
        if full_key != self.key:
            self.page = 1
        self.key, self.query, self.within = full_key, query, within
        self.set_visibility(bool(query.strip()))
        if query.strip():
            await self._search()

    async def _to_page(self, page: int | None) -> None:
        if page and page != self.page:
            self.page = page
            await self._search()

    async def _search(self) -> None:
        if not self.allowed():
            return
        try:
            found = await self.finder.search(self.actor, self.query, page=self.page, page_size=PAGE_SIZE,
                                             within=self.within)
        except AodUiError as error:
            self.note.text = str(error)
            self.note.set_visibility(True)
            return
        if not self.allowed():
            return
        results = found.results
        self.note.text = results.note or ''
        self.note.set_visibility(bool(results.note))
        self.count.text = (f'{results.total}{"+" if results.more else ""} '
                           f'{"match" if results.total == 1 else "matches"}')
        self.pager.max = found.pages
        self.pager.value = found.page
        self.pager.set_visibility(found.pages > 1)
        self.body.clear()
        with self.body:
            if not results.hits:
                ui.label('No line of any transcript matches.').classes('text-sm opacity-70').mark('search-none')
            for hit in results.hits:
                self._hit(hit, found.sessions[hit.session_id], results.words)

    def _hit(self, hit: Hit, row: SessionRow, words: tuple[str, ...]) -> None:
        with ui.link(target=link(hit, self.query)).classes('w-full no-underline text-inherit').mark('search-hit'), \
                ui.card().classes('w-full gap-1 p-3 hover:bg-gray-100 dark:hover:bg-gray-800'):
            with ui.row().classes('w-full items-center gap-2 no-wrap'):
                ui.badge(row.status, color=theme.status_color(row.status)).classes('text-xs')
                ui.label(row.title).classes('font-medium truncate flex-1 min-w-0').mark('search-hit-title')
                where = 'prompt' if hit.line < 0 else f'line {hit.line + 1:,}'
                turn = f'turn {hit.turn} · ' if hit.turn is not None else ''
                ui.label(f'{turn}{where} · {fmt.relative_time(row.created_at)}') \
                    .classes('text-xs opacity-70 whitespace-nowrap')
            SearchLine(hit, words)

