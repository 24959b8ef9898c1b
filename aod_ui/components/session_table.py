"""The sessions list's table: status, prompt, who started it, when, when it last did something, turns,
duration and what the agent changed, a page at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from .. import format as fmt
from .. import theme
from ..services import SessionRow
from ..transcript import ChangeSummary
from .paged_table import PagedTable

__all__ = ['SessionTable']

PAGE_SIZE = 50
_NARROW_HIDDEN = {'classes': 'max-sm:hidden', 'headerClasses': 'max-sm:hidden'}
COLUMNS = [
    {'name': 'status', 'label': 'Status', 'field': 'status', 'align': 'left'},
    {'name': 'title', 'label': 'Session', 'field': 'title', 'align': 'left'},
    {'name': 'owner', 'label': 'Started by', 'field': 'owner', 'align': 'left', **_NARROW_HIDDEN},
    {'name': 'created', 'label': 'Created', 'field': 'created', 'align': 'left', **_NARROW_HIDDEN},
    {'name': 'activity', 'label': 'Last activity', 'field': 'activity', 'align': 'left', **_NARROW_HIDDEN},
    {'name': 'turns', 'label': 'Turns', 'field': 'turns', 'align': 'right', **_NARROW_HIDDEN},
    {'name': 'duration', 'label': 'Duration', 'field': 'duration', 'align': 'right', **_NARROW_HIDDEN},
    {'name': 'changes', 'label': 'Changes', 'field': 'changes', 'align': 'left', **_NARROW_HIDDEN},
]
# Vue templates interpolate with {{ }}, which escapes: prompts and names stay text, never markup. A cell's width is
# bounded by a div inside it (a table cell's own max-width does not hold).
STATUS_SLOT = r'''
<q-td :props="props">
  <q-badge :color="props.row.color" class="text-xs px-2 py-1"><q-icon :name="props.row.icon" class="mr-1" />
    {{ props.row.status }}</q-badge>
</q-td>'''
TITLE_SLOT = r'''
<q-td :props="props"><div class="max-w-xs 2xl:max-w-md max-sm:max-w-[14rem]">
  <div class="truncate font-medium max-sm:whitespace-normal max-sm:line-clamp-2 max-sm:[overflow-wrap:anywhere]"
    :title="props.row.title">{{ props.row.title }}</div>
  <div class="text-xs opacity-70 whitespace-normal">{{ props.row.agent }}<span v-if="!props.row.recorded"> · started
    outside the dashboard</span>
    <q-badge v-for="label in props.row.labels" :key="label" outline color="primary" class="ml-1">
    {{ label }}</q-badge></div>
  <div v-if="props.row.deleted" class="text-xs whitespace-normal text-amber-900 dark:text-amber-300">deleted upstream,
    kept in the archive</div>
  <div class="text-xs opacity-70 whitespace-normal sm:hidden">
    <span :title="props.row.created_exact">created {{ props.row.created }}</span> ·
    <span :title="props.row.activity_exact">last activity {{ props.row.activity }}</span></div></div>
</q-td>'''
CREATED_SLOT = r'''
<q-td :props="props"><span :title="props.row.created_exact">{{ props.row.created }}</span></q-td>'''
# The links are GitHub addresses the domain built from a strict pattern (`transcript.find_links`).
CHANGES_SLOT = r'''
<q-td :props="props"><div class="max-w-[12rem]">
  <div v-if="props.row.changed" class="text-xs whitespace-nowrap">{{ props.row.files }} <span
    class="text-green-700 dark:text-green-400 font-mono">+{{ props.row.added }}</span> <span
    class="text-red-700 dark:text-red-400 font-mono">−{{ props.row.removed }}</span></div>
  <a v-for="link in props.row.links" :key="link.url" :href="link.url" :title="link.url" target="_blank"
    rel="noopener noreferrer" class="block truncate text-xs text-primary" @click.stop>{{ link.label }}</a></div>
</q-td>'''
ACTIVITY_SLOT = r'''
<q-td :props="props"><span :title="props.row.activity_exact">{{ props.row.activity }}</span></q-td>'''


def _table_row(row: SessionRow) -> dict:
    return {
        'id': row.id, 'status': row.status, 'color': theme.status_color(row.status),
        'icon': theme.status_icon(row.status), 'title': row.title, 'agent': row.agent_name or '—',
        'recorded': row.recorded, 'deleted': row.deleted_upstream, 'labels': list(row.labels),
        'owner': row.owner or '—',
        'created': fmt.relative_time(row.created_at),
        'created_exact': fmt.exact_time(row.created_at),
        'activity': fmt.relative_time(row.last_activity_at), 'activity_exact': fmt.exact_time(row.last_activity_at),
        'turns': row.turn_count,
        'duration': fmt.duration(row.duration_seconds), **_changes(row.changes),
    }


def _changes(summary: ChangeSummary | None) -> dict:
    summary = summary or ChangeSummary()
    return {'changes': summary.added + summary.removed, 'changed': summary.files > 0,
            'files': f'{summary.files} file{"" if summary.files == 1 else "s"}', 'added': summary.added,
            'removed': summary.removed, 'links': [{'url': link.url, 'label': link.label} for link in summary.links]}


class SessionTable(PagedTable):
    """A click on a row opens the session."""

    def __init__(self, page: int, on_page: Callable[[], Any]) -> None:
        super().__init__(COLUMNS, page_size=PAGE_SIZE, page=page, on_page=on_page, row_key='id')
        self.table.props('flat bordered no-data-label="No sessions match."').mark('sessions-table')
        self.table.add_slot('body-cell-status', STATUS_SLOT)
        self.table.add_slot('body-cell-title', TITLE_SLOT)
        self.table.add_slot('body-cell-created', CREATED_SLOT)
        self.table.add_slot('body-cell-changes', CHANGES_SLOT)
        self.table.add_slot('body-cell-activity', ACTIVITY_SLOT)
        self.table.on('rowClick', lambda e: ui.navigate.to(f'/sessions/{e.args[1]["id"]}'))

    def show_rows(self, rows: list[SessionRow]) -> None:
        """Show the page of `rows` the person is on (or the last, when fewer pages remain)."""
        self.clamp(len(rows))
        self.show(len(rows), [_table_row(r) for r in rows[self.offset:self.offset + self.page_size]])
