"""A table shown a page at a time, with its pager underneath."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

__all__ = ['PagedTable']


class PagedTable(ui.column):
    """Rows a page at a time: `page` is the page shown (from 1), `offset` where it starts; `show(total, rows)` puts a
    page's rows in and resends them only when something a person would see changed (`ui.table` resends every row).
    `on_page` runs when the person picks another page."""

    def __init__(self, columns: list[dict], *, page_size: int, page: int = 1, on_page: Callable[[], Any],
                 **table: Any) -> None:
        super().__init__()
        self.classes('w-full gap-4 p-0')
        self.page_size = page_size
        self.page = max(1, page)
        self._shown: list[dict] | None = None
        self._on_page = on_page
        with self:
            self.table = ui.table(columns=columns, rows=[], **table).classes('w-full')
            self.table.props('hide-pagination :pagination="{rowsPerPage: 0}"')
            self.pager = ui.pagination(1, 1, direction_links=True, value=self.page).mark('pager')
        self.pager.set_visibility(False)
        self.pager.on_value_change(self._picked)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def pages(self, total: int) -> int:
        return max(1, -(-total // self.page_size))

    def clamp(self, total: int) -> None:
        """Keep `page` within the pages that `total` rows fill (the list may have shrunk since it was picked)."""
        self.page = min(self.page, self.pages(total))

    def show(self, total: int, rows: list[dict]) -> None:
        self.clamp(total)
        self.pager.max = self.pages(total)
        self.pager.value = self.page
        self.pager.set_visibility(total > self.page_size)
        if rows != self._shown:
            self._shown = rows
            self.table.rows = rows
            self.table.update()

    async def _picked(self, event: Any) -> None:
        page = event.value or 1
        if page == self.page:
            return  # (`show` setting the pager's value)
        self.page = page
        result = self._on_page()
        if hasattr(result, '__await__'):
            await result
