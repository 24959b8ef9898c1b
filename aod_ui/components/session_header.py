"""The session page's header card: status, title and facts, the actions and settings, how the live stream is doing
and the provisioning stages."""

from __future__ import annotations

from nicegui import ui

from .. import format as fmt
from .. import theme
from ..hub import HubState, SessionHub
from ..services import Actor, SessionDetail, SessionRow
from ..system import System
from ..transcript import StageEntry
from .change_facts import ChangeFacts
from .rerun_panel import RerunPanel
from .session_actions import SessionActions
from .session_settings import SessionSettings
from .stage_timeline import StageTimeline
from .status_badge import StatusBadge
from .watch_toggle import WatchToggle

__all__ = ['HUB_TEXT', 'SessionHeader', 'hub_text', 'reading_text']

HUB_TEXT = {'connecting': 'Connecting to the live stream…', 'live': 'Live: following the agent\'s output',
            'idle': 'All output received', 'stopped': 'Not following', 'gone': 'Deleted upstream'}
PAUSED = 'Live: paused while you read earlier output ("Jump to latest" follows again)'
READING = frozenset({'connecting', 'live', 'reconnecting'})
QUIET_CLASSES = 'text-amber-800 dark:text-amber-300 font-semibold'
"""A silent agent's live line: amber, not red (a silence is worth a look, not a failure); it comes while live."""
QUIET_CHECK = 15.0
"""Seconds between looks at how long the stream has been silent (a silence grows without any event to say so)."""


def reading_text(rows: int) -> str:
    """The progress of a finished session read from AoD for the first time (AoD sends about 200 rows a second)."""
    return (f'Reading this session from AoD: {rows:,} rows so far. AoD sends about 200 rows a second; once read, '
            'the dashboard keeps it and opens it at once.')


def silence_text(quiet: float) -> str:
    """A running session whose stream has brought nothing for `quiet` seconds."""
    amount = f'{int(quiet // 60)} min' if quiet >= 60 else f'{int(quiet)} s'
    return f'No output for {amount}: the agent may be thinking, waiting or stuck'


def hub_text(state: HubState, *, following: bool = True, quiet: float | None = None) -> str:
    """The live line: how the stream is doing, whether the page follows it, and a silence of `quiet` seconds."""
    if state.phase == 'live' and quiet is not None:
        return silence_text(quiet) + ('' if following else ' · paused while you read')
    if state.phase == 'live' and not following:
        return PAUSED
    text = HUB_TEXT.get(state.phase, state.phase)
    if state.phase == 'reconnecting':
        text = 'Reconnecting'
        if state.retry_in:
            text += f' in {state.retry_in:.0f} s'
        if state.message:
            text += f': {state.message}'
    elif state.message:
        text = f'{text}: {state.message}'
    return text


class SessionHeader(ui.card):
    """`show_status`, `show_hub` and `show_stages` bring it up to date."""

    def __init__(self, system: System, detail: SessionDetail, actor: Actor, hub: SessionHub) -> None:
        super().__init__()
        self.row = row = detail.row
        self.hub = hub
        self.classes('w-full gap-2')
        with self:
            # a phone puts the actions on a line of their own, below the title; a title of one long word breaks
            with ui.row().classes('w-full items-start gap-x-3 gap-y-2 flex-wrap sm:flex-nowrap'):
                self.badge = StatusBadge(row.status)
                with ui.column().classes('flex-1 gap-0 min-w-0'):
                    ui.label(row.title).classes('text-xl font-semibold [overflow-wrap:anywhere]').mark('session-title')
                    self.facts = ui.label().classes('text-sm opacity-70').mark('session-facts')
                    self.changes = ChangeFacts(hub.transcript.changes)
                self.actions = SessionActions(system, row.id, may_act=detail.may_act and not detail.deleted_upstream)
            SessionSettings(system, row, actor, may_act=detail.may_act)
            self.reruns = RerunPanel(system, row, actor)
            if row.recorded:
                WatchToggle(system, row, actor)
            if detail.deleted_upstream:
                days = system.settings.archive_days
                ui.label('Deleted upstream: AoD no longer has this session. It is shown from the dashboard\'s archive'
                         + (f', which keeps it {days:g} days after the deletion.' if days else '.')) \
                    .classes(f'text-sm {theme.NOTICE} rounded p-2').mark('deleted-upstream')
            self.hub_line = ui.label().classes('text-xs opacity-70').mark('hub-state')
            self.quiet_after = system.settings.quiet_seconds
            self.quiet_timer = ui.timer(min(QUIET_CHECK, self.quiet_after / 4), self.show_live)
            self.progress = ui.label().classes('text-xs').mark('reading-progress')
            self.timeline = StageTimeline()
        self.pending = row.status == 'pending'
        self.status = row.status
        self.following = True
        self.show_stages(list(hub.transcript.stages))  # kept however much output the hub let go since
        self.describe()

    def set_row(self, row: SessionRow) -> None:
        """AoD's latest word on the session (after it ended, so its duration reads as in the list)."""
        self.row = row
        self.describe()

    def describe(self) -> None:
        row, transcript = self.row, self.hub.transcript
        parts = [f'Agent {row.agent_name or "unknown"}', f'started by {row.owner or "someone outside the dashboard"}',
                 f'created {fmt.relative_time(row.created_at)}']
        if not row.active:
            parts.append(f'ran {fmt.duration(row.duration_seconds)}')
        if row.turn_count:
            parts.append(f'{max(row.turn_count, len(transcript.turns))} turn(s)')
        if transcript.exit_code is not None:
            parts.append(f'exit code {transcript.exit_code}')
        self.facts.text = ' · '.join(parts)

    def show_status(self, status: str) -> None:
        self.status = status
        self.pending = status == 'pending'
        self.badge.set_status(status)
        self.actions.set_status(status)
        self.reruns.set_status(status)
        if not self.pending:
            self.timeline.settle()
        self.describe()

    def show_stages(self, stages: list[StageEntry]) -> None:
        for stage in stages:
            self.timeline.show(stage)
        if not self.pending:
            self.timeline.settle()

    def show_hub(self, state: HubState) -> None:
        self.show_live()
        self.show_progress()

    def set_following(self, on: bool) -> None:
        """Whether the page follows the newest output (the reader may have scrolled up to read)."""
        self.following = on
        self.show_live()

    def show_live(self) -> None:
        quiet = self.hub.quiet_for(after=self.quiet_after) if self.status == 'running' else None
        self.hub_line.text = hub_text(self.hub.state, following=self.following, quiet=quiet)
        if quiet is not None:
            self.hub_line.classes(add=QUIET_CLASSES, remove='opacity-70')
        else:
            self.hub_line.classes(add='opacity-70', remove=QUIET_CLASSES)

    def show_progress(self) -> None:
        self.changes.refresh()
        hub = self.hub
        reading = not self.row.active and not hub.archived_complete and hub.state.phase in READING
        self.progress.text = reading_text(hub.rows_read) if reading else ''
        self.progress.set_visibility(reading)
