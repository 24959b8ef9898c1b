"""The audit trail for admins: who did what, to which session, when, and how it went; filtered and exported."""

from __future__ import annotations

from datetime import datetime

from nicegui import ui

from ..auth import require_actor
from ..components.audit_filters import AuditFilters
from ..components.audit_table import AuditTable
from ..errors import AodUiError
from ..services import is_admin
from ..system import System
from ._page import View, page

__all__ = ['register']

PAGE_SIZE = 100


def register(system: System) -> None:
    @page(system, '/audit', 'Audit trail', heading=True, gate=is_admin,
          refusal='Only admins may read the audit trail.')
    async def audit_page(view: View, who: str = '', action: str = '', outcome: str = '', q: str = '',
                         session: str = '') -> None:
        def refilter() -> None:
            table.page = 1
            load()
        filters = AuditFilters(who=who, action=action, outcome=outcome, text=q, session=session,
                               on_change=refilter, on_export=lambda kind: export(kind))
        count = ui.label().classes('text-sm opacity-70')
        table = AuditTable(PAGE_SIZE, on_page=lambda: load())

        def load() -> None:
            try:
                acting = require_actor(system)
                total = system.audit.count(acting, **filters.query())
                entries = system.audit.query(acting, limit=PAGE_SIZE, offset=table.offset, **filters.query())
            except AodUiError as error:
                ui.notify(str(error), type='negative')
                return
            count.text = f'{total} entries'
            table.show_entries(total, entries, system.sessions.titles(acting, (e.session_id or '' for e in entries)))

        def export(kind: str) -> None:
            try:
                data = system.audit.export(require_actor(system), kind, **filters.query())
            except AodUiError as error:
                ui.notify(str(error), type='negative')
                return
            ui.download.content(data.encode(), f'audit-{datetime.now():%Y%m%d-%H%M%S}.{kind}')
        load()
