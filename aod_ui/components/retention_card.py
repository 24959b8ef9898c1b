"""The retention policy on the Operations page: what it says, how its runs went, a dry run and a run by hand."""

from __future__ import annotations

from datetime import datetime

from nicegui import ui

from .. import theme
from ..errors import ActionError, AodUiError
from ..system import System
from .page_guard import PageGuard
from .session_actions import confirm
from .session_link import SLOT

__all__ = ['RetentionCard']

PLAN_COLUMNS = [
    {'name': 'action', 'label': 'Action', 'field': 'action', 'align': 'left'},
    {'name': 'session', 'label': 'Session', 'field': 'session', 'align': 'left'},
    {'name': 'agent', 'label': 'Agent', 'field': 'agent', 'align': 'left', **theme.PHONE_HIDDEN},
    {'name': 'owner', 'label': 'Owner', 'field': 'owner', 'align': 'left', **theme.PHONE_HIDDEN},
    {'name': 'reason', 'label': 'Why', 'field': 'reason', 'align': 'left'},
]


class RetentionCard(ui.card):
    """Every action first asks the page's guard (which holds the admin gate) at the moment it happens, also on a
    page kept open after its person was demoted or disabled."""

    def __init__(self, system: System, guard: PageGuard) -> None:
        super().__init__()
        self.retention = retention = system.retention
        self.guard = guard
        self.classes('w-full gap-2').mark('retention')
        with self:
            ui.label('Retention').classes('text-lg font-semibold')
            ui.label(retention.policy.describe()).classes('text-sm')
            ui.label(f'Runs by itself every {system.settings.retention_interval_minutes:g} minutes'
                     + ('' if retention.policy.enabled else ' once a rule is set (AOD_UI_RETENTION_*)') +
                     f', at most {retention.rate:g} calls per second.').classes('text-xs opacity-70')
            self.status = ui.label().classes('text-sm').mark('retention-status')
            with ui.row().classes('gap-2'):
                self.dry = ui.button('Dry run', icon='visibility', on_click=self.dry_run).props('outline') \
                    .mark('dry-run')
                self.apply = ui.button('Apply now', icon='delete_sweep', on_click=self.apply_now) \
                    .props('color=negative').mark('apply')
            self.count = ui.label().classes('text-sm')
            self.table = ui.table(columns=PLAN_COLUMNS, rows=[], row_key='session').classes('w-full') \
                .props('flat bordered dense :pagination="{rowsPerPage: 50}"').mark('plan')
            self.table.add_slot('body-cell-session', SLOT)
            self.table.set_visibility(False)
            ui.timer(1.0, self.show_status)
        self.show_status()

    def show_status(self) -> None:
        current = self.retention.current
        if current is not None:
            self.status.text = f'Run in progress (by {current.by}): {current.summary()}'
        else:
            last = self.retention.last_run()
            self.status.text = (f'Last run {datetime.fromtimestamp(last.finished_at or last.started_at):%Y-%m-%d %H:%M}'
                                f' by {last.by}: {last.summary()}') if last else 'No run yet.'
        self.apply.set_enabled(current is None)

    async def dry_run(self) -> None:
        if not self.guard.allows():
            return
        self.dry.props('loading')
        try:
            items = await self.retention.plan()
            if not self.guard.allows():
                return
        except AodUiError as error:
            ui.notify(str(error), type='negative')
            return
        finally:
            self.dry.props(remove='loading')
        self.count.text = (f'{len(items)} session(s) would be stopped or deleted now. Nothing has been changed.'
                           if items else 'Nothing matches the policy now.')
        self.table.rows = [{'action': i.action, 'session': i.session_id, 'session_title': i.title, 'agent': i.agent,
                            'owner': i.owner or '—', 'reason': i.reason} for i in items]
        self.table.update()
        self.table.set_visibility(bool(items))

    async def apply_now(self) -> None:
        if not self.guard.allows():
            return
        items = await self.retention.plan()
        if not self.guard.allows() or not await confirm(
                f'Stop and delete {len(items)} session(s)?', 'AoD removes their logs for good (the dashboard keeps its '
                'archived copies until AOD_UI_ARCHIVE_DAYS); archived copies listed are removed. Pinned sessions are '
                'kept.', 'Apply'):
            return
        if not self.guard.allows():
            return
        try:
            self.retention.start(self.guard.presence.now())
        except ActionError as refusal:
            ui.notify(str(refusal), type='warning')
            return
        ui.notify('Retention run started.', type='info')
