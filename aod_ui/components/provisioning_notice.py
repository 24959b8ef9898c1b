"""What the transcript says while the session's sandbox is being provisioned, before the agent writes anything: the
stage under way, how long it has taken so far, and how long provisioning usually takes here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from nicegui import ui

from .. import format as fmt
from ..services import Typical
from ..transcript import StageEntry

__all__ = ['ProvisioningNotice', 'usually_text']


def usually_text(typical: Typical | None) -> str:
    """How long provisioning usually takes, from this dashboard's own sessions; no figure without any."""
    if typical is None:
        return 'The dashboard has kept no provisioned session yet to tell how long this usually takes.'
    kept = 'session' if typical.sessions == 1 else f'{typical.sessions} sessions'
    return f'Provisioning usually takes about {fmt.duration(typical.seconds)} here (the median of the latest {kept} ' \
           'this dashboard kept).'


class ProvisioningNotice(ui.row):
    """Shown while the session is `pending` in its first turn; `show(status, stages)` brings it up to date, and a
    timer counts the seconds while it is shown (and only then)."""

    def __init__(self, since: datetime | None, typical: Typical | None) -> None:
        super().__init__()
        self.since = since or datetime.now(UTC)
        self.typical = typical
        self.stage = ''
        self.classes('w-full items-start gap-3 no-wrap rounded-lg p-3 bg-blue-50 text-blue-900 '
                     'dark:bg-blue-950 dark:text-blue-100').mark('provisioning')
        with self:
            ui.spinner(size='sm').classes('mt-1')
            with ui.column().classes('gap-1 min-w-0'):
                ui.label('Preparing the sandbox: the agent starts once provisioning is done.') \
                    .classes('font-semibold')
                self.now = ui.label().classes('text-sm').mark('provisioning-now')
                ui.label(usually_text(typical)).classes('text-sm opacity-80').mark('provisioning-usually')
        self.timer = ui.timer(1.0, self.tick)
        self.tick()

    def show(self, pending: bool, stages: Sequence[StageEntry]) -> None:
        """Shown while `pending`; the stage under way is the latest one started (else the latest one)."""
        under_way = [s for s in stages if s.state == 'started'] or list(stages)
        self.stage = under_way[-1].name.replace('_', ' ') if under_way else ''
        self.set_visibility(pending)
        self.timer.active = pending
        if pending:
            self.tick()

    def tick(self) -> None:
        elapsed = max(0.0, (datetime.now(UTC) - self.since).total_seconds())
        stage = f'Now: {self.stage}' if self.stage else 'Waiting for AoD to start provisioning'
        slow = self.typical is not None and elapsed > 2 * self.typical.seconds + 10
        self.now.text = f'{stage} · {fmt.duration(elapsed)} so far' + (' (longer than usual)' if slow else '')
