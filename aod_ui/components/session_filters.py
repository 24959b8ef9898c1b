"""The sessions list's filters: scope, a search, status, agent, who started it, the days created and the order, and
a count of what matches."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from nicegui import ui

from ..services import LIST_SCOPES, LIST_SORTS, Actor, ListFilter, SessionRow, is_admin, parse_day
from ..status import STATUSES

__all__ = ['SessionFilters']

HALF = 'max-sm:w-[calc(50%-0.375rem)]'
"""On a phone the narrowing choices go two to a row (the row's gap is 0.75 rem)."""
# the browser draws its own date field's calendar icon: dark on dark unless told the page is dark
DARK_DATES = '.body--dark input[type=date] { color-scheme: dark; }'


class SessionFilters(ui.row):
    """Holds the `ListFilter` the person has set, read from the list's address (`query`); `on_change` runs when they
    change it. The agent and person choices offer what the list holds (`offer`)."""

    def __init__(self, actor: Actor, query: Mapping[str, str], on_change: Callable[[], Any]) -> None:
        super().__init__()
        ui.add_css(DARK_DATES)
        self.default_scope = 'all' if is_admin(actor) else 'team'
        scopes = {k: v for k, v in LIST_SCOPES.items() if k != 'all' or is_admin(actor)}
        self.filter = f = ListFilter.from_query(actor.username, query, scopes, self.default_scope)
        self.classes('w-full items-end gap-3 flex-wrap')
        with self:
            heading = ui.label('Sessions').classes('text-2xl font-semibold mr-2')
            scope = self._watch(ui.toggle(scopes, value=f.scope).props('dense no-caps').mark('scope'), 'scope',
                                on_change)
            # the search reaches the filter (and the address) 300 ms after the last key, without Enter
            self._watch(ui.input(placeholder='Search prompts and transcripts (/)', value=f.query)
                        .props('dense outlined clearable debounce=300 data-search')
                        .classes('w-64 max-sm:w-full').mark('search'), 'query', on_change)
            self._watch(ui.select({'': 'Any status', **{s: s.capitalize() for s in STATUSES}},
                                  value=f.status, label='Status').props('dense outlined').classes(f'w-40 {HALF}')
                        .mark('status-filter'), 'status', on_change)
            self.agent = self._watch(ui.select({'': 'Any agent'}, value='', label='Agent').props('dense outlined')
                                     .classes(f'w-44 {HALF}').mark('agent-filter'), 'agent', on_change)
            self.person = self._watch(ui.select({'': 'Anyone'}, value='', label='Started by').props('dense outlined')
                                      .classes(f'w-40 {HALF}').mark('person-filter'), 'person', on_change)
            self._watch(_day_input('Created from', f.created_from).mark('created-from'), 'created_from', on_change)
            self._watch(_day_input('Created to', f.created_to).mark('created-to'), 'created_to', on_change)
            self._watch(ui.select(LIST_SORTS, value=f.sort, label='Order').props('dense outlined')
                        .classes(f'w-44 {HALF}').mark('sort'), 'sort', on_change)
            ui.space()
            self.count = ui.label().classes('text-sm opacity-70').mark('count')
        self.choices = [element for element in self if element not in (heading, scope)]

    def _watch(self, element: Any, key: str, on_change: Callable[[], Any]) -> Any:
        async def changed(event: Any) -> None:
            value = event.value or ''
            if key.startswith('created_'):
                value = parse_day(value)
            elif key == 'sort':
                value = value or 'newest'
            setattr(self.filter, key, value)
            result = on_change()
            if hasattr(result, '__await__'):
                await result
        element.on_value_change(changed)
        return element

    def show_choices(self, visible: bool) -> None:
        """Show the search and the narrowing choices (not while there is no session at all to narrow)."""
        for element in self.choices:
            element.set_visibility(visible)

    def offer(self, rows: list[SessionRow]) -> None:
        """Offer the agents and people seen in the list (and the chosen ones, even when absent now)."""
        _offer(self.agent, 'Any agent', {r.agent_name for r in rows if r.agent_name}, self.filter.agent)
        _offer(self.person, 'Anyone', {r.owner for r in rows if r.owner}, self.filter.person)

    def address(self, page: int) -> str:
        """The list's address with these filters and `page`."""
        query = self.filter.to_query(page)
        return f'/?{query}' if query else '/'


def _day_input(label: str, value: date | None) -> ui.input:
    # the browser's own date picker (a calendar on phones); the value is the ISO day or ''
    return ui.input(label, value=value.isoformat() if value else '') \
        .props('type=date dense outlined stack-label clearable').classes(f'w-40 {HALF}')


def _offer(select: ui.select, anything: str, values: set[str], chosen: str) -> None:
    options = {'': anything, **{v: v for v in sorted(values | ({chosen} if chosen else set()))}}
    if options != select.options:  # resend only on change
        select.set_options(options, value=chosen)
