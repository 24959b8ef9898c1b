"""The audit trail for admins: who did what, to which session, when, and how it went; filtered and exported."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from ..auth import authenticate, login_redirect, require_actor
from ..components import frame
from ..errors import AodUiError
from ..services import is_admin
from ..system import System
from ._page import page

__all__ = ['register']

PAGE_SIZE = 100
COLUMNS = [
    {'name': 'at', 'label': 'When', 'field': 'at', 'align': 'left'},
    {'name': 'actor', 'label': 'Who', 'field': 'actor', 'align': 'left'},
    {'name': 'action', 'label': 'What', 'field': 'action', 'align': 'left'},
    {'name': 'outcome', 'label': 'Outcome', 'field': 'outcome', 'align': 'left'},
    {'name': 'subject', 'label': 'Session / person', 'field': 'subject', 'align': 'left'},
    {'name': 'detail', 'label': 'Detail', 'field': 'detail', 'align': 'left', 'style': 'white-space: normal'},
]
OUTCOMES = {'': 'Any outcome', 'ok': 'ok', 'denied': 'denied', 'error': 'error'}


def register(system: System) -> None:
    @page(system, '/audit')
    async def audit_page(request: Request, who: str = '', action: str = '', outcome: str = '', q: str = '',
                         session: str = '') -> RedirectResponse | None:
        actor = await authenticate(system, request)
        if actor is None:
            return login_redirect(request)
        with frame(system, 'Audit trail', actor):
            ui.label('Audit trail').classes('text-2xl font-semibold')
            if not is_admin(actor):
                ui.label('Only admins may read the audit trail.').classes('text-negative').mark('refused')
                return None
            state = {'page': 1}
            with ui.row().classes('w-full items-end gap-2 flex-wrap'):
                who_input = ui.input('Who', value=who).props('dense outlined clearable debounce=300').mark('who')
                action_input = ui.input('Action', value=action).props('dense outlined clearable debounce=300') \
                    .mark('action')
                outcome_select = ui.select(OUTCOMES, value=outcome if outcome in OUTCOMES else '', label='Outcome') \
                    .props('dense outlined').classes('w-36').mark('outcome')
                text_input = ui.input('Search details', value=q).props('dense outlined clearable debounce=300') \
                    .mark('text')
                session_input = ui.input('Session id', value=session).props('dense outlined clearable debounce=300')
                ui.space()
                with ui.button('Export', icon='download').props('outline'), ui.menu():
                    ui.menu_item('CSV', lambda: export('csv')).mark('export-csv')
                    ui.menu_item('JSON Lines', lambda: export('jsonl')).mark('export-jsonl')
            count = ui.label().classes('text-sm opacity-70')
            table = ui.table(columns=COLUMNS, rows=[], row_key='id').classes('w-full').props('flat bordered dense') \
                .mark('audit-table')
            table.props('hide-pagination :pagination="{rowsPerPage: 0}" no-data-label="Nothing recorded matches."')
            pager = ui.pagination(1, 1, direction_links=True).mark('pager')

            def filters() -> dict:
                return {'actor': (who_input.value or '').strip().lower() or None,
                        'action': (action_input.value or '').strip() or None,
                        'outcome': outcome_select.value or None, 'text': (text_input.value or '').strip() or None,
                        'session_id': (session_input.value or '').strip() or None}

            def load() -> None:
                try:
                    acting = require_actor(system)
                    total = system.audit.count(acting, **filters())
                    entries = system.audit.query(acting, limit=PAGE_SIZE, offset=(state['page'] - 1) * PAGE_SIZE,
                                                 **filters())
                except AodUiError as error:
                    ui.notify(str(error), type='negative')
                    return
                pager.max = max(1, -(-total // PAGE_SIZE))
                pager.set_visibility(total > PAGE_SIZE)
                count.text = f'{total} entries'
                table.rows = [{'id': e.id, 'at': datetime.fromtimestamp(e.at).strftime('%Y-%m-%d %H:%M:%S'),
                               'actor': e.actor, 'action': e.action, 'outcome': e.outcome,
                               'subject': e.session_id or e.target or '', 'detail': e.detail} for e in entries]
                table.update()

            def export(kind: str) -> None:
                try:
                    data = system.audit.export(require_actor(system), kind, **filters())
                except AodUiError as error:
                    ui.notify(str(error), type='negative')
                    return
                stamp = datetime.now().strftime('%Y%m%d-%H%M%S')
                ui.download.content(data.encode(), f'audit-{stamp}.{kind}')

            def refilter() -> None:
                state['page'] = 1
                load()
            for element in (who_input, action_input, outcome_select, text_input, session_input):
                element.on_value_change(refilter)
            pager.on_value_change(lambda e: (state.update(page=e.value or 1), load()))
            load()
        return None
