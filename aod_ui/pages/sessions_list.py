"""The home page: every session the person may see, newest first, filtered and searched, refreshing itself."""

from __future__ import annotations

from nicegui import ui

from ..components.session_list import SessionList
from ..system import System
from ._page import View, page

__all__ = ['register']


def register(system: System) -> None:
    @page(system, '/', 'Sessions')
    async def sessions_page(view: View, status: str = '', agent: str = '', q: str = '', page: int = 1,
                            scope: str = '', person: str = '', deleted: str = '') -> None:
        sessions = SessionList(system, view.guard, scope=scope, q=q, status=status, agent=agent, person=person,
                               page=page)
        if deleted:
            ui.notify('Session deleted.', type='info')
            sessions.sync_url()
        await sessions.start()
