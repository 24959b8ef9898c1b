"""The home page: every session the person may see, newest first, filtered and searched, refreshing itself."""

from __future__ import annotations

from nicegui import ui

from ..components.session_list import SessionList
from ..system import System
from ._page import View, page

__all__ = ['register']


def register(system: System) -> None:
    @page(system, '/', 'Sessions')
    async def sessions_page(view: View, deleted: str = '') -> None:
        # the list reads its filters from the address (scope, person, status, agent, q, from, to, sort, page)
        sessions = SessionList(system, view.guard, view.request.query_params)
        if deleted:
            ui.notify('Session deleted.', type='info')
            sessions.sync_url()
        await sessions.start()
