"""The audit trail's filters and its export menu."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

__all__ = ['AuditFilters']

OUTCOMES = {'': 'Any outcome', 'ok': 'ok', 'denied': 'denied', 'error': 'error'}


class AuditFilters(ui.row):
    """Who, what, outcome, a search of the details and a session id; `query()` reads them as the audit service's
    filters. `on_change` runs when one changes, `on_export('csv' | 'jsonl')` when an export is picked."""

    def __init__(self, *, who: str, action: str, outcome: str, text: str, session: str,
                 on_change: Callable[[], Any], on_export: Callable[[str], Any]) -> None:
        super().__init__()
        self.classes('w-full items-end gap-2 flex-wrap')
        with self:
            self.who = ui.input('Who', value=who).props('dense outlined clearable debounce=300').mark('who')
            self.action = ui.input('Action', value=action).props('dense outlined clearable debounce=300') \
                .mark('action')
            self.outcome = ui.select(OUTCOMES, value=outcome if outcome in OUTCOMES else '', label='Outcome') \
                .props('dense outlined').classes('w-36').mark('outcome')
            self.text = ui.input('Search details', value=text).props('dense outlined clearable debounce=300') \
                .mark('text')
            self.session = ui.input('Session id', value=session).props('dense outlined clearable debounce=300')
            ui.space()
            with ui.button('Export', icon='download').props('outline'), ui.menu():
                ui.menu_item('CSV', lambda: on_export('csv')).mark('export-csv')
                ui.menu_item('JSON Lines', lambda: on_export('jsonl')).mark('export-jsonl')
        for element in (self.who, self.action, self.outcome, self.text, self.session):
            element.on_value_change(on_change)

    def query(self) -> dict[str, str | None]:
        return {'actor': (self.who.value or '').strip().lower() or None,
                'action': (self.action.value or '').strip() or None,
                'outcome': self.outcome.value or None, 'text': (self.text.value or '').strip() or None,
                'session_id': (self.session.value or '').strip() or None}
