"""The sessions list's filters: scope, a search, status, agent and who started it, and a count of what matches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from nicegui import ui

from ..services import LIST_SCOPES, Actor, ListFilter, SessionRow, is_admin
from ..status import STATUSES

__all__ = ['SessionFilters']


class SessionFilters(ui.row):
    """Holds the `ListFilter` the person has set; `on_change` runs when they change it. The agent and person choices
    offer what the list holds (`offer`)."""

    def __init__(self, actor: Actor, *, scope: str, q: str, status: str, agent: str, person: str,
                 on_change: Callable[[], Any]) -> None:
        super().__init__()
        self.default_scope = 'all' if is_admin(actor) else 'team'
        scopes = {k: v for k, v in LIST_SCOPES.items() if k != 'all' or is_admin(actor)}
        self.filter = ListFilter(actor.username, scope=scope if scope in scopes else self.default_scope,
                                 person=person, status=status if status in STATUSES else '', agent=agent, query=q)
        self.classes('w-full items-end gap-3 flex-wrap')
        with self:
            ui.label('Sessions').classes('text-2xl font-semibold mr-2')
            self._watch(ui.toggle(scopes, value=self.filter.scope).props('dense no-caps').mark('scope'), 'scope',
                        on_change)
            self._watch(ui.input(placeholder='Search prompts and transcripts (/)', value=q)
                        .props('dense outlined clearable debounce=300 data-search')
                        .classes('w-64 max-sm:w-full').mark('search'), 'query', on_change)
            self._watch(ui.select({'': 'Any status', **{s: s.capitalize() for s in STATUSES}},
                                  value=self.filter.status, label='Status').props('dense outlined').classes('w-40')
                        .mark('status-filter'), 'status', on_change)
            self.agent = self._watch(ui.select({'': 'Any agent'}, value='', label='Agent').props('dense outlined')
                                     .classes('w-44').mark('agent-filter'), 'agent', on_change)
            self.person = self._watch(ui.select({'': 'Anyone'}, value='', label='Started by').props('dense outlined')
                                      .classes('w-40').mark('person-filter'), 'person', on_change)
            ui.space()
            self.count = ui.label().classes('text-sm opacity-70')

    def _watch(self, element: Any, key: str, on_change: Callable[[], Any]) -> Any:
        async def changed(event: Any) -> None:
            setattr(self.filter, key, event.value or '')
            result = on_change()
            if hasattr(result, '__await__'):
                await result
        element.on_value_change(changed)
        return element

    def offer(self, rows: list[SessionRow]) -> None:
        """Offer the agents and people seen in the list (and the chosen ones, even when absent now)."""
        _offer(self.agent, 'Any agent', {r.agent_name for r in rows if r.agent_name}, self.filter.agent)
        _offer(self.person, 'Anyone', {r.owner for r in rows if r.owner}, self.filter.person)

    def address(self, page: int) -> str:
        """The list's address with these filters and `page` (what differs from the defaults)."""
        f = self.filter
        params = {'status': f.status, 'agent': f.agent, 'q': f.query, 'page': str(page) if page > 1 else '',
                  'scope': f.scope if f.scope != self.default_scope else '', 'person': f.person}
        query = urlencode({k: v for k, v in params.items() if v})
        return f'/?{query}' if query else '/'


def _offer(select: ui.select, anything: str, values: set[str], chosen: str) -> None:
    options = {'': anything, **{v: v for v in sorted(values | ({chosen} if chosen else set()))}}
    if options != select.options:  # resend only on change
        select.set_options(options, value=chosen)
