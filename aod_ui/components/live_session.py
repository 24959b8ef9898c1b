"""A session, live: its header, the transcript and the follow-up box, fed by the session's hub for as long as the
page's person may watch it."""

from __future__ import annotations

import contextlib

from nicegui import background_tasks, ui

from ..errors import AodUiError
from ..hub import Batch, HubState, SessionHub
from ..services import SessionDetail, Typical
from ..status import ACTIVE, FINISHED
from ..system import System
from ..transcript import StageEntry
from .archived_view import ArchivedView
from .find_bar import FindBar
from .followup_box import FollowUpBox
from .page_guard import PageGuard
from .provisioning_notice import ProvisioningNotice
from .session_header import SessionHeader
from .transcript_panel import TranscriptPanel

__all__ = ['LiveSession']

ENDED = {'completed': 'finished', 'failed': 'failed', 'terminated': 'was stopped'}


class LiveSession:
    """`status` is the session's status as its hub publishes it (`SessionHub.status`: AoD's answers and the stream's
    events, by the domain's rule); every part of the page shows it, and a change from active to finished seen here is
    announced once. Every push first asks the page's guard whether its person may still watch the session: a change
    of rights takes the page down at once."""

    def __init__(self, system: System, detail: SessionDetail, hub: SessionHub, guard: PageGuard, *, find: str = '',
                 at: int | None = None, typical: Typical | None = None) -> None:
        self.system = system
        self.row = detail.row
        self.hub = hub
        self.guard = guard
        self.status = hub.status or self.row.status
        self.page_title = f'{self.row.title[:40]} · {system.settings.title}'
        ui.page_title(self.page_title)
        self.header = SessionHeader(system, detail, guard.presence.actor, hub)
        self.archived = ArchivedView(system.finder, guard.presence.actor, self.row.id, hub, on_back=self.back_to_live)
        with ui.column().classes('w-full gap-0 p-0') as self.live_part:  # hidden while the archived part is shown
            self.panel = panel = TranscriptPanel(hub, on_follow=self.header.set_following)
            with panel.find_slot:
                self.finder = FindBar(system.finder, guard.presence.actor, self.row.id, hub.transcript,
                                      panel.transcript, panel.raw, query=find, at=at, raw_shown=panel.raw_shown,
                                      left_tail=lambda: panel.set_following(False))
        panel.tabs.on_value_change(self.finder.search)
        self.provisioning: ProvisioningNotice | None = None
        if self.status == 'pending' and max(self.row.turn_count, len(detail.turns)) <= 1:  # the sandbox is made
            with panel.notice_slot:
                self.provisioning = ProvisioningNotice(self.row.created_at, typical)
        self.followup = FollowUpBox(system, self.row.id, may_act=detail.may_act and not detail.deleted_upstream)
        panel.scroller.keep_in_view(self.followup.card)
        self.set_status(self.status)

    @classmethod
    async def open(cls, system: System, detail: SessionDetail, guard: PageGuard, *, find: str = '',
                   at: int | None = None, line: int | None = None) -> LiveSession:
        """The page of `detail`'s session, watching it live; with `find`, at that search's match `at` (output
        `line`: shown from the archive when the page no longer holds it)."""
        hub = await system.sessions.live(detail)  # what the archive holds, loaded before the page shows it
        typical = await system.provisioning.typical() if (hub.status or detail.row.status) == 'pending' else None
        live = cls(system, detail, hub, guard, find=find, at=at, typical=typical)
        replay = live.watch()
        if line is not None and await live.archived.open(line, find):
            live.live_part.set_visibility(False)
        elif find:
            await live.finder.search()
        elif replay:
            live.panel.scroll_to_end()
        return live

    def back_to_live(self) -> None:
        self.live_part.set_visibility(True)
        self.panel.jump_to_latest()

    def may_watch(self) -> bool:
        return self.guard.allows(lambda now: self.system.sessions.may_watch(now, self.row.id))

    def watch(self) -> bool:
        """Join the hub; returns whether it had events to show at once."""
        replay, viewer = self.hub.join(self.on_batch, self.on_state, on_status=self.set_status, allowed=self.may_watch)
        ui.context.client.on_delete(viewer.close)
        self.guard.on_down(viewer.close)
        self.system.sessions.access_changed.subscribe(
            lambda session_id: session_id == self.row.id and self.may_watch())
        self.on_state(self.hub.state)
        self.set_status(self.hub.status or self.status)  # a change the join's flush published before it subscribed
        return bool(replay)

    def set_status(self, status: str) -> None:
        previous, self.status = self.status, status
        self.header.show_status(status)
        self.followup.set_status(status)
        if self.provisioning is not None:
            self.provisioning.show(status == 'pending', self.hub.transcript.stages)
        if previous != status and status in FINISHED and previous in ACTIVE:
            ui.notify(f'Session {ENDED[status]}: {self.row.title[:60]}',
                      type='positive' if status == 'completed' else 'warning')
            ui.page_title(f'{"✓" if status == "completed" else "✗"} {self.page_title}')
            background_tasks.create(self.refresh_row(), name='session row after its end')

    async def refresh_row(self) -> None:
        """Read the session from AoD again once it ended, so the header's facts (its duration) are the list's."""
        with contextlib.suppress(AodUiError):
            detail = await self.system.sessions.get(self.guard.presence.actor, self.row.id)
            self.row = detail.row
            self.header.set_row(detail.row)

    def on_batch(self, batch: Batch) -> None:
        if any(isinstance(c.entry, StageEntry) for c in batch.changes):
            self.header.show_stages([c.entry for c in batch.changes if isinstance(c.entry, StageEntry)])
            if self.provisioning is not None:
                self.provisioning.show(self.status == 'pending', self.hub.transcript.stages)
        self.panel.apply(batch.changes)
        self.header.show_progress()
        self.header.show_live()

    def on_state(self, state: HubState) -> None:
        self.header.show_hub(state)
        self.panel.show_changes()
