"""The fleet on the Operations page: AoD's health, capacity and statuses, what is stuck and what fails, the
archive, and usage charts; loaded again every 30 seconds while the page's person may see it."""

from __future__ import annotations

from datetime import datetime

from nicegui import ui

from .. import format as fmt
from .. import theme
from ..archive import ArchiveUsage
from ..errors import AodUiError
from ..services import FleetSummary, SessionRow, Usage
from ..system import System
from .archive_card import archive_card
from .charts import bar_chart, stacked_chart
from .page_guard import PageGuard
from .session_link import SessionLink
from .usage_table import usage_table

__all__ = ['FleetPanel']

REFRESH_SECONDS = 30


def _session_links(rows: list[SessionRow], empty: str) -> None:
    if not rows:
        ui.label(empty).classes('text-sm opacity-60')
    for row in rows[:20]:
        with ui.row().classes('items-center gap-2 text-sm'):
            ui.link(row.title[:80], f'/sessions/{row.id}')
            ui.label(f'{row.agent_name} · {row.owner or "outside"} · {fmt.relative_time(row.created_at)}') \
                .classes('opacity-60')


class FleetPanel(ui.column):
    """`summary` and `usage` are what was last loaded (None before the first load); a failed load keeps them and
    says so above them."""

    def __init__(self, system: System, guard: PageGuard) -> None:
        super().__init__()
        self.system = system
        self.guard = guard
        self.summary: FleetSummary | None = None
        self.usage: ArchiveUsage | None = None
        self.shares: list[Usage] = []
        """Each person's share of the sessions and the budget (fair share)."""
        self.classes('w-full gap-4 p-0')
        with self:
            self.problem = ui.label().classes(f'{theme.PROBLEM} w-full p-2').mark('problem')
            self.problem.set_visibility(False)
            self.archive()
            self.health()
            ui.label('Usage').classes('text-lg font-semibold mt-2')
            self.charts()
            ui.timer(REFRESH_SECONDS, self.refresh)

    async def refresh(self) -> None:
        if not self.guard.allows():
            return
        self.usage = await self.system.archive.usage()
        self.archive.refresh()
        try:
            self.summary = await self.system.fleet.summary(self.guard.presence.actor)
            self.shares = await self.system.sessions.fair_share.everyone(self.guard.presence.actor)
        except AodUiError as error:
            self.problem.text = f'{error} Showing what was last loaded; retrying.'
            self.problem.set_visibility(True)
            return
        self.problem.set_visibility(False)
        self.health.refresh()
        self.charts.refresh()

    @ui.refreshable_method
    def archive(self) -> None:
        if self.usage is not None:
            archive_card(self.system, self.usage)

    @ui.refreshable_method
    def health(self) -> None:
        summary, system = self.summary, self.system
        if summary is None:
            ui.spinner()
            return
        with ui.row().classes('w-full gap-3 flex-wrap items-stretch'):
            with ui.card().classes('min-w-64 flex-1').mark('aod-health'):
                ui.label('AoD').classes('font-semibold')
                ok = summary.reachable
                ui.label('reachable' if ok else 'UNREACHABLE' if ok is False else 'unknown') \
                    .classes('text-positive' if ok else 'text-negative')
                if summary.latency_ms is not None:
                    ui.label(f'latency {summary.latency_ms:.0f} ms').classes('text-sm opacity-70')
            with ui.card().classes('min-w-64 flex-1').mark('capacity'):
                ui.label('Active sessions').classes('font-semibold')
                ui.label(f'{summary.active} of {summary.limit}').classes('text-xl')
                ui.linear_progress(min(1.0, summary.active / max(1, summary.limit)), show_value=False) \
                    .props('aria-label="Active sessions of the limit" color='
                           + ('negative' if summary.active >= summary.limit else 'primary'))
                ui.label(f'limit {summary.limit_source}').classes('text-xs opacity-60')
            with ui.card().classes('min-w-64 flex-[2]').mark('by-status'):
                ui.label('By status').classes('font-semibold')
                with ui.row().classes('gap-1 flex-wrap'):
                    for status, count in sorted(summary.by_status.items()):
                        ui.chip(f'{status} {count}', color=theme.status_color(status),
                                text_color='white').props('dense')
        with ui.row().classes('w-full gap-3 flex-wrap items-stretch'):
            with ui.card().classes('min-w-80 flex-1').mark('stuck'):
                ui.label(f'Pending longer than {system.settings.stuck_pending_minutes:g} min '
                         f'({len(summary.stuck_pending)})').classes('font-semibold')
                _session_links(summary.stuck_pending, 'None.')
            with ui.card().classes('min-w-80 flex-1').mark('silent'):
                ui.label(f'Running with no activity for {system.settings.silent_running_minutes:g} min '
                         f'({len(summary.silent_running)})').classes('font-semibold')
                _session_links(summary.silent_running, 'None.')
        with ui.card().classes('w-full').mark('failures'):
            ui.label('Recent failures, grouped by stage and message').classes('font-semibold')
            if not summary.failures:
                ui.label('No failures in the period.').classes('text-sm opacity-60')
            for stage, message, count, ids in summary.failures[:12]:
                with ui.row().classes('items-center gap-x-2 gap-y-0 text-sm w-full flex-wrap').mark('failure'):
                    ui.badge(str(count), color='negative')
                    ui.label(stage).classes('font-mono')
                    ui.label(message).classes('flex-1 min-w-48 truncate')
                    with ui.row().classes('gap-x-3 gap-y-0 min-w-0 max-w-full flex-wrap'):
                        for session_id in ids[:3]:
                            SessionLink(session_id, summary.titles.get(session_id, ''), limit=40) \
                                .classes('max-w-60').mark('failed-session')
            if summary.facts_missing:
                ui.label(f'{summary.facts_missing} finished sessions are not in the archive yet; the '
                         'dashboard reads them from AoD in the background, newest first.') \
                    .classes('text-xs opacity-60')
        with ui.card().classes('w-full').mark('errors'):
            ui.label('Last errors talking to AoD').classes('font-semibold')
            if not summary.recent_errors:
                ui.label('None since the dashboard started.').classes('text-sm opacity-60')
            for at, kind, message in summary.recent_errors:
                ui.label(f'{datetime.fromtimestamp(at):%H:%M:%S} {kind}: {message}') \
                    .classes('text-sm font-mono')

    @ui.refreshable_method
    def charts(self) -> None:
        summary = self.summary
        if summary is None:
            return
        with ui.grid().classes('w-full gap-3 grid-cols-1 lg:grid-cols-2'):
            stacked_chart('Sessions started per day', summary.per_day).mark('chart-per-day')
            bar_chart('Sessions per person', dict(summary.per_person))
            stacked_chart('Outcome per agent', summary.per_agent)
            bar_chart('Cost per agent (USD)', summary.cost_by_agent, decimals=2)
            bar_chart('Cost per person (USD)', summary.cost_by_person, decimals=2)
            bar_chart('Mean duration per agent (s)', summary.duration_by_agent, decimals=0)
        usage_table(self.shares)
