"""The audit trail's table: when, who, what, how it went, to which session (named by its prompt) or person, and the
detail, a page at a time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from storage import AuditEntry

from .. import theme
from .paged_table import PagedTable
from .session_link import SLOT

__all__ = ['AuditTable']

COLUMNS = [
    {'name': 'at', 'label': 'When', 'field': 'at', 'align': 'left'},
    {'name': 'actor', 'label': 'Who', 'field': 'actor', 'align': 'left'},
    {'name': 'action', 'label': 'What', 'field': 'action', 'align': 'left'},
    {'name': 'outcome', 'label': 'Outcome', 'field': 'outcome', 'align': 'left', **theme.PHONE_HIDDEN},
    {'name': 'subject', 'label': 'Session / person', 'field': 'subject', 'align': 'left', **theme.PHONE_HIDDEN},
    {'name': 'detail', 'label': 'Detail', 'field': 'detail', 'align': 'left', 'style': 'white-space: normal'},
]


class AuditTable(PagedTable):
    """A session is named by its prompt's first line and links to its page (the id on hover)."""

    def __init__(self, page_size: int, on_page: Callable[[], Any]) -> None:
        super().__init__(COLUMNS, page_size=page_size, on_page=on_page, row_key='id')
        self.table.props('flat bordered dense no-data-label="Nothing recorded matches."').mark('audit-table')
        self.table.add_slot('body-cell-subject', SLOT)

    def show_entries(self, total: int, entries: list[AuditEntry], titles: dict[str, str]) -> None:
        self.show(total, [{'id': e.id, 'at': datetime.fromtimestamp(e.at).strftime('%Y-%m-%d %H:%M:%S'),
                           'actor': e.actor, 'action': e.action, 'outcome': e.outcome,
                           'subject': e.session_id or e.target or '', 'session': e.session_id or '',
                           'session_title': titles.get(e.session_id or '', ''), 'detail': e.detail}
                          for e in entries])
