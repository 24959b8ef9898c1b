"""The home page: every session the person may see, newest first, filtered and searched, refreshing itself."""

from __future__ import annotations

from nicegui import ui

from .. import theme
from ..components.session_filters import SessionFilters
from ..components.session_table import SessionTable
from ..errors import AodUiError
from ..system import System
from ._page import View, page

__all__ = ['register']


def register(system: System) -> None:
    @page(system, '/', 'Sessions')
    async def sessions_page(view: View, status: str = '', agent: str = '', q: str = '', page: int = 1,
                            scope: str = '', person: str = '', deleted: str = '') -> None:
        filters = SessionFilters(view.actor, scope=scope, q=q, status=status, agent=agent, person=person,
                                 on_change=lambda: changed(first_page=True))
        problem = ui.label().classes(f'{theme.PROBLEM} w-full p-2').mark('problem')
        problem.set_visibility(False)
        table = SessionTable(page, on_page=lambda: changed(first_page=False))

        async def load() -> None:
            # the rights of this moment, not of the page's load: a person demoted, disabled or signed out since
            # gets nothing more (the page is taken down)
            if not view.guard.allows():
                return
            try:
                rows = await system.sessions.list(view.actor)
                if not view.guard.allows():
                    return
            except AodUiError as error:
                problem.text = f'{error} The list shows what was last loaded and keeps retrying.'
                problem.set_visibility(True)
                return
            problem.set_visibility(False)
            filters.offer(rows)
            matching = filters.filter.apply(rows)
            filters.count.text = f'{len(matching)} of {len(filters.filter.chosen(rows))} sessions'
            table.show_rows(matching)

        def sync_url() -> None:
            ui.navigate.history.replace(filters.address(table.page))

        async def changed(first_page: bool) -> None:
            table.page = 1 if first_page else table.page
            sync_url()
            await load()
        if deleted:
            ui.notify('Session deleted.', type='info')
            sync_url()
        await load()
        ui.timer(system.settings.refresh_seconds, load)
