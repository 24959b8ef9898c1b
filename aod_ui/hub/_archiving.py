"""The archive side of a session's hub: start from what is archived, read on for the archive while nobody watches,
and record the archive as complete once the session has ended. Part of `SessionHub`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from storage import run_io

from ..archive import EventLog, Line, Seed, event_of, snapshot
from ..transcript import ChangeSet, ChangeSummary, changes_of
from . import _hub  # HubState, at run time (the hub module imports this one)

if TYPE_CHECKING:
    from ..transcript import Transcript
    from ._viewer import HubState

__all__ = ['Archiving']

log = logging.getLogger(__name__)


class Archiving:
    """`SessionHub`'s archive methods (the hub provides the attributes declared here)."""

    if TYPE_CHECKING:
        _log: EventLog | None
        _hold: int
        _prepared: asyncio.Future[None] | None
        _expect_active: bool
        _info: Any
        _seen_start: bool
        _turns_started: set[Any]
        _endings: set[tuple[str, int]]
        _terminal: str | None
        following: bool
        rows_read: int
        session_id: str
        state_changed: Any
        _spawn: Any
        _earlier_changes: asyncio.Task | None
        _earlier_lines: int
        archived_complete: bool
        settled: asyncio.Event
        cursor: int | None
        transcript: Transcript
        state: HubState

        @property
        def running(self) -> bool: ...

        def _start(self) -> None: ...

        def wake(self) -> None: ...

        def _set_state(self, state: HubState) -> None: ...

        def _hear(self, events: list[dict[str, Any]]) -> None: ...

        async def _still_active(self) -> bool: ...

    def follow(self, *, active: bool = False) -> None:
        """Read the session while it is active, watched or not (for its archive); stops by itself once it ended.
        `active`: AoD says the session runs, so a follow-up may have reopened a session archived whole."""
        self.following = True
        if active:
            self._expect_active = True
            self.learn_changes()  # what it changes next is added to all it changed before
            if self.running and self.settled.is_set():
                self.wake()
        if not self.running:
            self._start()

    async def prepare(self) -> None:
        """Load what the archive holds of the session (once); pages await it before `join()`."""
        if self._log is None:
            return
        if self._prepared is None:
            self._prepared = asyncio.get_running_loop().create_future()
            try:
                self._seed(await self._log.load(self._hold))
            except BaseException as error:
                self._prepared.set_exception(error)
                self._prepared.exception()
                self._prepared = None
                raise
            self._prepared.set_result(None)
        else:
            await asyncio.shield(self._prepared)

    def _seed(self, seed: Seed) -> None:
        for payload in seed.events:
            self.transcript.feed(payload)
        self._hear(seed.events)  # the session's status as far as the archive tells it
        self.transcript.raw.events_dropped += seed.skipped
        self.cursor = seed.cursor
        self._seen_start = seed.seen_start
        self._turns_started.update(seed.turns_started)
        self._endings.update(seed.endings)
        self.rows_read = seed.rows
        recorded = ChangeSummary.from_dict(self._log.info().get('changes')) if self._log is not None else None
        if seed.earlier and seed.complete and recorded is not None and not self._expect_active:
            # the archive recorded what the whole session changed: its earlier changes are read when someone
            # asks for them (`learn_changes`), so opening a long session reads only its tail
            self._earlier_lines = len(seed.earlier)
            self.transcript.changes.expect_earlier(recorded)
        elif seed.earlier or (seed.complete and recorded is None):
            self._earlier_changes = self._spawn(self._learn_earlier_changes(seed.earlier),
                                                f'changes of session {self.session_id}')
        if seed.deleted_upstream or (seed.complete and not self._expect_active):  # (a follow-up reopens it)
            self.archived_complete = seed.complete
            self._terminal = 'archived'
            if seed.complete:
                self.settled.set()
        if seed.deleted_upstream:
            self._set_state(_hub.HubState('gone', "AoD no longer has this session; shown from the dashboard's "
                                                  'archive.'))

    def learn_changes(self) -> None:
        """Read what the agent changed before the tail the hub holds, if that is still to do (the Changes view
        asks when it is shown; a session that runs again or settles needs it whole)."""
        if self._earlier_lines and self._earlier_changes is None:
            self._earlier_changes = self._spawn(self._learn_earlier_changes(None),
                                                f'changes of session {self.session_id}')

    async def _learn_earlier_changes(self, lines: Sequence[Line] | None) -> None:
        """What the agent changed before the tail the hub holds (`lines`, or read again from the archive), read in
        a worker thread and put before what the hub learnt since; the pages hear of it with a repeat of the hub's
        state. A session archived whole before its archive recorded what changed gets it recorded now (the
        sessions list reads it there)."""
        def scan(lines: Sequence[Line]) -> ChangeSet:
            return changes_of(event_of(line) for line in lines)
        try:
            if lines is None:
                lines = await self._log.earlier(self._earlier_lines) if self._log is not None else []
            earlier = await run_io(scan, lines) if lines else None
        except (OSError, ValueError) as error:  # a damaged line: the changes of the tail are still shown
            log.warning('the earlier changes of session %s could not be read: %s', self.session_id, error)
            self.transcript.changes.earlier_unreadable()
            self.state_changed.emit(self.state)
            return
        if earlier is not None:
            self.transcript.changes.merge_before(earlier)
            self.state_changed.emit(self.state)
        if self.archived_complete and self._log is not None and 'changes' not in self._log.info():
            await self._log.remember({'changes': self.transcript.changes.summary().to_dict()})

    async def _settle(self) -> None:
        """After a terminal event: once AoD says the session no longer runs, the archive is complete."""
        if self._terminal not in {'error', 'terminated'} and await self._still_active():
            return
        self.learn_changes()
        if self._earlier_changes is not None:
            with contextlib.suppress(Exception):  # (it logs its own failures)
                await asyncio.shield(self._earlier_changes)  # so the archive records every change
        if self._log is not None:
            info = snapshot(self._info) if self._info is not None else {}
            info['prompts'] = {str(turn): prompt for turn, prompt in self.transcript.prompts.items()}
            info['changes'] = self.transcript.changes.summary().to_dict()
            await self._log.finish(info)
        self.archived_complete = True
        self.settled.set()
