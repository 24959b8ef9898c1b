"""Searching what agents said and did, across every session a person may see (and only those)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from storage import run_io

from ..errors import NotAllowed, StorageError
from ..search import ArchivedWindow, Results, SearchIndex, archived_window
from ._policy import Actor
from ._rows import SessionRow
from ._sessions import NOT_FOUND, SessionService

__all__ = ['SearchPage', 'SearchService']

PAGE_SIZE = 20


@dataclass(frozen=True)
class SearchPage:
    """One page of matches, with the rows of the sessions they are in (for their titles)."""

    results: Results
    sessions: dict[str, SessionRow]
    page: int
    pages: int


class SearchService:
    """Full-text search over the archive's index, scoped by the person's rights at the moment of the search."""

    def __init__(self, sessions: SessionService, index: SearchIndex) -> None:
        self.sessions = sessions
        self.index = index

    async def search(self, actor: Actor, text: str, *, within: Callable[[SessionRow], bool] = lambda row: True,
                     page: int = 1, page_size: int = PAGE_SIZE) -> SearchPage:
        """Matches of `text` in the sessions `actor` may see now (the list's rows: its rights are decided there)
        that `within` keeps (the list's filters). No other session's line is read, counted or shown."""
        rows = {row.id: row for row in await self.sessions.list(actor) if within(row)}
        page = max(1, page)
        results = await run_io(self.index.search, text, list(rows), limit=page_size, offset=(page - 1) * page_size)
        pages = max(1, -(-results.total // page_size))
        return SearchPage(results, {hit.session_id: rows[hit.session_id] for hit in results.hits}, page, pages)

    async def in_session(self, actor: Actor, session_id: str, text: str, *, limit: int = 200) -> tuple[Results, int]:
        """Matches of `text` in one session the person may see (for lines its page no longer holds), and how many
        of its output lines are indexed."""
        if not self.sessions.may_watch(actor, session_id):
            return await run_io(self.index.search, text, [], limit=limit), 0
        results = await run_io(self.index.search, text, [session_id], limit=limit)
        return results, await run_io(self.index.lines_of, session_id)

    async def archived(self, actor: Actor, session_id: str, line: int, *, around: int = 40) -> ArchivedWindow:
        """The archived output around `line` of a session the person may see (where a search match opens when the
        session's page no longer holds that line); lines numbered as search hits number them."""
        if not self.sessions.may_watch(actor, session_id):
            raise NotAllowed(NOT_FOUND)
        try:
            return await run_io(archived_window, self.index.archive_folder, session_id, max(0, line),
                                before=around, after=around)
        except (OSError, ValueError) as error:
            raise StorageError(f'The archived copy of session {session_id} cannot be read ({error}).') from None
