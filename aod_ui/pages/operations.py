"""The operator's page (admins): AoD's health, the fleet at a glance, what is stuck and what fails, usage charts,
and the retention policy with its dry run and runs."""

from __future__ import annotations

import contextlib
from datetime import datetime

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from .. import format as fmt
from .. import theme
from ..archive import ArchiveUsage
from ..auth import authenticate, login_redirect
from ..components import frame
from ..components.archive_card import archive_card
from ..components.charts import bar_chart, stacked_chart
from ..components.page_guard import PageGuard, page_guard
from ..components.session_actions import confirm
from ..components.usage_table import usage_table
from ..components.webhooks_card import webhooks_card
from ..errors import AodUiError
from ..hub import spawn_detached
from ..services import FleetSummary, RunReport, SessionRow, Usage, is_admin
from ..system import System
from ._page import page

__all__ = ['register']

PLAN_COLUMNS = [
    {'name': 'action', 'label': 'Action', 'field': 'action', 'align': 'left'},
    {'name': 'session', 'label': 'Session', 'field': 'session', 'align': 'left'},
    {'name': 'agent', 'label': 'Agent', 'field': 'agent', 'align': 'left'},
    {'name': 'owner', 'label': 'Owner', 'field': 'owner', 'align': 'left'},
    {'name': 'reason', 'label': 'Why', 'field': 'reason', 'align': 'left'},
]


def _session_links(rows: list[SessionRow], empty: str) -> None:
    if not rows:
        ui.label(empty).classes('text-sm opacity-60')
    for row in rows[:20]:
        with ui.row().classes('items-center gap-2 text-sm'):
            ui.link(row.title[:80], f'/sessions/{row.id}')
            ui.label(f'{row.agent_name} · {row.owner or "outside"} · {fmt.relative_time(row.created_at)}') \
                .classes('opacity-60')


def register(system: System) -> None:
    @page(system, '/operations')
    async def operations_page(request: Request) -> RedirectResponse | None:
        actor = await authenticate(system, request)
        if actor is None:
            return login_redirect(request)
        with frame(system, 'Operations', actor):
            ui.label('Operations').classes('text-2xl font-semibold')
            if not is_admin(actor):
                ui.label('Only admins may see the fleet and run retention.').classes('text-negative') \
                    .mark('refused')
                return None
            problem = ui.label().classes('w-full text-negative bg-red-1 rounded p-2').mark('problem')
            problem.set_visibility(False)
            holder: dict[str, FleetSummary | None] = {'summary': None}
            shares: dict[str, list[Usage]] = {'usage': []}
            archive_holder: dict[str, ArchiveUsage | None] = {'usage': None}

            @ui.refreshable
            def health() -> None:
                summary = holder['summary']
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
                            .props('color=' + ('negative' if summary.active >= summary.limit else 'primary'))
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
                        with ui.row().classes('items-center gap-2 text-sm w-full no-wrap'):
                            ui.badge(str(count), color='negative')
                            ui.label(stage).classes('font-mono')
                            ui.label(message).classes('flex-1 truncate')
                            for session_id in ids[:3]:
                                ui.link(session_id[:8], f'/sessions/{session_id}').classes('font-mono')
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

            @ui.refreshable
            def charts() -> None:
                summary = holder['summary']
                if summary is None:
                    return
                with ui.grid().classes('w-full gap-3 grid-cols-1 lg:grid-cols-2'):
                    stacked_chart('Sessions started per day', summary.per_day).mark('chart-per-day')
                    bar_chart('Sessions per person', dict(summary.per_person))
                    stacked_chart('Outcome per agent', summary.per_agent)
                    bar_chart('Cost per agent (USD)', summary.cost_by_agent, decimals=2)
                    bar_chart('Cost per person (USD)', summary.cost_by_person, decimals=2)
                    bar_chart('Mean duration per agent (s)', summary.duration_by_agent, decimals=0)
                usage_table(shares['usage'])

            @ui.refreshable
            def archive_section() -> None:
                usage = archive_holder['usage']
                if usage is not None:
                    archive_card(system, usage)

            archive_section()
            health()
            ui.label('Usage').classes('text-lg font-semibold mt-2')
            charts()
            guard = page_guard()
            webhooks_card(system, guard)
            _retention_card(system, guard)

            async def refresh() -> None:
                if not guard.allows(is_admin):
                    return
                archive_holder['usage'] = await system.archive.usage()
                archive_section.refresh()
                try:
                    holder['summary'] = await system.fleet.summary(guard.presence.actor)
                    shares['usage'] = await system.sessions.fair_share.everyone(guard.presence.actor)
                except AodUiError as error:
                    problem.text = f'{error} Showing what was last loaded; retrying.'
                    problem.set_visibility(True)
                    return
                problem.set_visibility(False)
                health.refresh()
                charts.refresh()
            await refresh()
            ui.timer(30, refresh)
        return None


def _retention_card(system: System, guard: PageGuard) -> None:
    retention = system.retention
    with ui.card().classes('w-full gap-2').mark('retention'):
        ui.label('Retention').classes('text-lg font-semibold')
        ui.label(retention.policy.describe()).classes('text-sm')
        ui.label(f'Runs by itself every {system.settings.retention_interval_minutes:g} minutes'
                 + ('' if retention.policy.enabled else ' once a rule is set (AOD_UI_RETENTION_*)') +
                 f', at most {retention.rate:g} calls per second.').classes('text-xs opacity-70')
        status = ui.label().classes('text-sm').mark('retention-status')
        with ui.row().classes('gap-2'):
            dry = ui.button('Dry run', icon='visibility').props('outline').mark('dry-run')
            apply = ui.button('Apply now', icon='delete_sweep').props('color=negative').mark('apply')
        count = ui.label().classes('text-sm')
        table = ui.table(columns=PLAN_COLUMNS, rows=[], row_key='session').classes('w-full') \
            .props('flat bordered dense :pagination="{rowsPerPage: 50}"').mark('plan')
        table.set_visibility(False)

        def show_status() -> None:
            current = retention.current
            if current is not None:
                status.text = f'Run in progress (by {current.by}): {current.summary()}'
            else:
                last = retention.last_report()
                status.text = ('Last run ' + datetime.fromtimestamp(last['finished_at'] or last['started_at'])
                               .strftime('%Y-%m-%d %H:%M') + f' by {last["by"]}: '
                               + RunReport(**{**last, 'failed': [tuple(f) for f in last['failed']]}).summary()
                               ) if last else 'No run yet.'
            apply.set_enabled(current is None)
        show_status()
        ui.timer(1.0, show_status)

        def admin_now() -> bool:
            # asked at the moment of each action, also on a page kept open after its person was demoted or disabled
            return guard.allows(is_admin)

        async def dry_run() -> None:
            if not admin_now():
                return
            dry.props('loading')
            try:
                items = await retention.plan()
                if not admin_now():
                    return
            except AodUiError as error:
                ui.notify(str(error), type='negative')
                return
            finally:
                dry.props(remove='loading')
            count.text = (f'{len(items)} session(s) would be stopped or deleted now. Nothing has been changed.'
                          if items else 'Nothing matches the policy now.')
            table.rows = [{'action': i.action, 'session': i.session_id, 'agent': i.agent, 'owner': i.owner or '—',
                           'reason': i.reason} for i in items]
            table.update()
            table.set_visibility(bool(items))

        async def apply_now() -> None:
            if not admin_now():
                return
            items = await retention.plan()
            if not admin_now() or not await confirm(f'Stop and delete {len(items)} session(s)?',
                                                    'AoD removes their logs for good (the dashboard keeps its archived '
                                                    'copies until AOD_UI_ARCHIVE_DAYS); archived copies listed are '
                                                    'removed. Pinned sessions are kept.', 'Apply'):
                return
            if not admin_now():
                return
            actor = retention.authorize(guard.presence.now())
            if retention.running:
                ui.notify('A retention run is already under way.', type='warning')
                return

            async def run() -> None:
                with contextlib.suppress(AodUiError):  # shown by the status line and the audit trail
                    await retention.run(actor.username)
            spawn_detached(run(), 'retention run by hand')
            ui.notify('Retention run started.', type='info')
        dry.on_click(dry_run)
        apply.on_click(apply_now)
