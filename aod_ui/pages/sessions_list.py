"""The home page: every session the person may see, newest first, filtered and searched, refreshing itself."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from .. import format as fmt
from .. import theme
from ..auth import authenticate, login_redirect
from ..components import frame
from ..components.page_guard import page_guard
from ..components.search_results import SearchResults
from ..errors import AodUiError
from ..services import SessionRow, filter_rows, in_scope, is_admin
from ..system import System
from ._page import page

__all__ = ['filter_rows', 'in_scope', 'register']  # the filters live in services, shared with the API

PAGE_SIZE = 50
STATUSES = ['pending', 'running', 'completed', 'failed', 'terminated']
COLUMNS = [
    {'name': 'status', 'label': 'Status', 'field': 'status', 'align': 'left'},
    {'name': 'title', 'label': 'Session', 'field': 'title', 'align': 'left'},
    {'name': 'owner', 'label': 'Started by', 'field': 'owner', 'align': 'left', 'classes': 'max-sm:hidden',
     'headerClasses': 'max-sm:hidden'},
    {'name': 'created', 'label': 'Created', 'field': 'created', 'align': 'left'},
    {'name': 'turns', 'label': 'Turns', 'field': 'turns', 'align': 'right', 'classes': 'max-sm:hidden',
     'headerClasses': 'max-sm:hidden'},
    {'name': 'duration', 'label': 'Duration', 'field': 'duration', 'align': 'right', 'classes': 'max-sm:hidden',
     'headerClasses': 'max-sm:hidden'},
]
# Vue templates interpolate with {{ }}, which escapes: prompts and names stay text, never markup.
STATUS_SLOT = r'''
<q-td :props="props">
  <q-badge :color="props.row.color" class="text-xs px-2 py-1"><q-icon :name="props.row.icon" class="mr-1" />
    {{ props.row.status }}</q-badge>
</q-td>'''
TITLE_SLOT = r'''
<q-td :props="props" class="max-w-md">
  <div class="truncate font-medium" :title="props.row.title">{{ props.row.title }}</div>
  <div class="text-xs opacity-70">{{ props.row.agent }}<span v-if="!props.row.recorded"> · started outside the
    dashboard</span><span v-if="props.row.deleted" class="text-amber-10"> · deleted upstream, kept in the archive</span>
    <q-badge v-for="label in props.row.labels" :key="label" outline color="primary" class="ml-1">
    {{ label }}</q-badge></div>
</q-td>'''
CREATED_SLOT = r'''
<q-td :props="props"><span :title="props.row.created_exact">{{ props.row.created }}</span></q-td>'''


def _table_row(row: SessionRow) -> dict:
    return {
        'id': row.id, 'status': row.status, 'color': theme.status_color(row.status),
        'icon': theme.status_icon(row.status), 'title': row.title, 'agent': row.agent_name or '—',
        'recorded': row.recorded, 'deleted': row.deleted_upstream, 'labels': list(row.labels),
        'owner': row.owner or '—',
        'created': fmt.relative_time(row.created_at),
        'created_exact': fmt.exact_time(row.created_at), 'turns': row.turn_count,
        'duration': fmt.duration(row.duration_seconds),
    }


def offer_choices(select: ui.select, anything: str, values: set[str], chosen: str) -> None:
    """Offer the values seen in the list (and the chosen one, even when absent now); resend only on change."""
    options = {'': anything, **{v: v for v in sorted(values | ({chosen} if chosen else set()))}}
    if options != select.options:
        select.set_options(options, value=chosen)


def register(system: System) -> None:
    @page(system, '/')
    async def sessions_page(request: Request, status: str = '', agent: str = '', q: str = '', page: int = 1,
                            scope: str = '', person: str = '', deleted: str = '') -> RedirectResponse | None:
        actor = await authenticate(system, request)
        if actor is None:
            return login_redirect(request)
        default_scope = 'all' if is_admin(actor) else 'team'
        scopes = {'mine': 'Mine', 'team': 'Team', **({'all': 'All'} if is_admin(actor) else {})}
        state = {'status': status if status in STATUSES else '', 'agent': agent, 'q': q, 'page': max(1, page),
                 'scope': scope if scope in scopes else default_scope, 'person': person}
        shown: list[dict] = []
        with frame(system, 'Sessions', actor):
            with ui.row().classes('w-full items-end gap-3 flex-wrap'):
                ui.label('Sessions').classes('text-2xl font-semibold mr-2')
                scope_toggle = ui.toggle(scopes, value=state['scope']).props('dense no-caps').mark('scope')
                search = ui.input(placeholder='Search prompts and transcripts (/)', value=state['q']) \
                    .props('dense outlined clearable debounce=300') \
                    .classes('w-64 max-sm:w-full').mark('search')
                search.props('data-search')
                status_select = ui.select({'': 'Any status', **{s: s.capitalize() for s in STATUSES}},
                                          value=state['status'], label='Status').props('dense outlined') \
                    .classes('w-40').mark('status-filter')
                agent_select = ui.select({'': 'Any agent'}, value='', label='Agent').props('dense outlined') \
                    .classes('w-44').mark('agent-filter')
                person_select = ui.select({'': 'Anyone'}, value='', label='Started by').props('dense outlined') \
                    .classes('w-40').mark('person-filter')
                ui.space()
                count = ui.label().classes('text-sm opacity-70')
            problem = ui.label().classes('w-full text-negative bg-red-1 rounded p-2').mark('problem')
            problem.set_visibility(False)
            results = SearchResults(system.finder, actor, lambda: guard.allows())
            table = ui.table(columns=COLUMNS, rows=[], row_key='id').classes('w-full').props('flat bordered') \
                .mark('sessions-table')
            table.add_slot('body-cell-status', STATUS_SLOT)
            table.add_slot('body-cell-title', TITLE_SLOT)
            table.add_slot('body-cell-created', CREATED_SLOT)
            table.props('hide-pagination :pagination="{rowsPerPage: 0}" no-data-label="No sessions match."')
            table.on('rowClick', lambda e: ui.navigate.to(f'/sessions/{e.args[1]["id"]}'))
            pager = ui.pagination(1, 1, direction_links=True, value=state['page']).mark('pager')

        def sync_url() -> None:
            params = {k: v for k, v in state.items() if v and not (k == 'page' and v == 1)
                      and not (k == 'scope' and v == default_scope)}
            ui.navigate.history.replace('/?' + urlencode(params) if params else '/')

        guard = page_guard()

        async def load() -> None:
            # the rights of this moment, not of the page's load: a person demoted, disabled or signed out since
            # gets nothing more (the page is taken down)
            if not guard.allows():
                return
            try:
                rows = await system.sessions.list(actor)
                if not guard.allows():
                    return
            except AodUiError as error:
                problem.text = f'{error} The list shows what was last loaded and keeps retrying.'
                problem.set_visibility(True)
                return
            problem.set_visibility(False)
            offer_choices(agent_select, 'Any agent', {r.agent_name for r in rows if r.agent_name}, state['agent'])
            offer_choices(person_select, 'Anyone', {r.owner for r in rows if r.owner}, state['person'])
            rows = in_scope(rows, state['scope'], actor.username)
            if state['person']:
                rows = [r for r in rows if r.owner == state['person']]
            listed = {r.id for r in filter_rows(rows, state['status'], state['agent'], '')}
            await results.show(state['q'], lambda r: r.id in listed, key=tuple(sorted(listed)))
            matching = filter_rows(rows, state['status'], state['agent'], state['q'], actor.username)
            pages = max(1, -(-len(matching) // PAGE_SIZE))
            state['page'] = min(state['page'], pages)
            pager.max = pages
            pager.value = state['page']
            pager.set_visibility(pages > 1)
            start = (state['page'] - 1) * PAGE_SIZE
            new = [_table_row(r) for r in matching[start:start + PAGE_SIZE]]
            count.text = f'{len(matching)} of {len(rows)} sessions'
            if new != shown:  # resend rows only when something a person would see changed
                shown[:] = new
                table.rows = new
                table.update()

        async def on_filter(key: str, value: object) -> None:
            state[key] = value or ''
            if key != 'page':
                state['page'] = 1
            sync_url()
            await load()

        search.on_value_change(lambda e: on_filter('q', e.value))
        status_select.on_value_change(lambda e: on_filter('status', e.value))
        agent_select.on_value_change(lambda e: on_filter('agent', e.value))
        scope_toggle.on_value_change(lambda e: on_filter('scope', e.value))
        person_select.on_value_change(lambda e: on_filter('person', e.value))
        pager.on_value_change(lambda e: on_filter('page', e.value or 1))
        if deleted:
            ui.notify('Session deleted.', type='info')
            sync_url()
        await load()
        ui.timer(system.settings.refresh_seconds, load)
