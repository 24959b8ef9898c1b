"""One upstream stream per watched session, fanned out to every viewer.

A `SessionHub` owns the only connection to a session's AoD stream. Viewers `join()` and get, in one step, a copy
of every event the hub holds and a subscription to what follows, so a late joiner sees no gap and no duplicate.
The hub keeps the resume cursor, reconnects with it after a dropped connection, a read timeout, a `stale` while
the session still runs, or a follow-up prompt (`wake()`), and backs off on repeated failures. Events are pushed to
viewers at once when they come alone and in batches when they come in bursts. The hub stops when nobody has
watched for `linger` seconds; the registry then forgets it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import statistics
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from nicegui import Event

from ..archive import EventLog
from ..errors import UpstreamError
from ..status import ACTIVE
from ..transcript import Change, SessionStatus, Transcript
from ..upstream import StreamEvent
from ._archiving import Archiving
from ._source import StreamSource
from ._viewer import Batch, HubState, Viewer

__all__ = ['TERMINAL_TYPES', 'SessionHub', 'StreamSource']

log = logging.getLogger(__name__)

TERMINAL_TYPES = frozenset({'exit', 'error', 'terminated'})
"""Events after which the session takes no more output until a follow-up prompt (`stale` is not one of them)."""
PUSH_SHARE = 4
"""During a burst, the wait between two pushes is at least this many times what a push takes (the median of the
last few, so one push caught by a garbage collection does not hold the next ones back)."""
MAX_STRETCH = 0.5
"""The longest wait between two pushes that the stretching may ask for, in seconds."""
QUIET_AFTER = 120.0
"""Seconds without a new row from AoD after which a running session reads as quiet (`SessionHub.quiet_for`), unless
the caller names its own (`AOD_UI_QUIET_SECONDS`)."""


class SessionHub(Archiving):
    """The single upstream stream of one session and the events it has delivered so far."""

    def __init__(self, session_id: str, source: StreamSource, *, spawn: Callable[[Coroutine, str], asyncio.Task],
                 hold: int = 5_000, batch_interval: float = 0.05, linger: float = 30.0,
                 idle_poll: float = 5.0, max_backoff: float = 30.0, on_stop: Callable[[SessionHub], None] | None = None,
                 log: EventLog | None = None) -> None:
        self.session_id = session_id
        self._log = log
        self._hold = hold
        self._prepared: asyncio.Future[None] | None = None
        self._earlier_changes: asyncio.Task | None = None
        self._earlier_lines = 0
        """Archived lines before the tail this hub holds whose changes are still to be read (`learn_changes`)."""
        self.following = False
        """Read on while the session is active even when nobody watches (so the archive gets every event)."""
        self.rows_read = 0
        """AoD log rows (stages and output) this hub holds or archived, from AoD now or earlier."""
        self.archived_complete = False
        """The session's archive holds it to its end: opening it asks AoD for no stream."""
        self.settled = asyncio.Event()
        """Set once the session's archive is complete, or the hub stopped."""
        self._info: Any = None
        self._expect_active = False
        self._source = source
        self._spawn = spawn
        self._batch_interval = batch_interval
        self._linger = linger
        self._idle_poll = idle_poll
        self._max_backoff = max_backoff
        self._on_stop = on_stop
        self.cursor: int | None = None
        self.state = HubState('connecting')
        self.connections = 0
        self.last_event_at: float | None = None
        """When (`time.time()`) this hub last accepted an event from AoD's stream (events loaded from the archive do
        not count): while the session is active, the moment it last did something (see `services.last_activity`)."""
        self.last_output_at: float | None = None
        """When the latest new row (output or a stage) arrived from AoD: unlike `last_event_at`, AoD's own `stale`
        after a long silence does not count, so it says how long the agent has been silent (`quiet_for`). A hub
        follows every active session from its start (the archive's follower); one started later counts from its
        first read."""
        self.transcript = Transcript(merge_lines=50, merge_chars=16 * 1024, hold=hold)
        """The structured transcript, built once here for every viewer; it holds about the latest `hold` events,
        output lines and entries (smaller merged entries keep each push small as live output grows)."""
        self.events_pushed = Event[Batch]()
        """Fired with each batch of new events."""
        self.state_changed = Event[HubState]()
        """Fired when the connection's phase changes."""
        self._status = SessionStatus()
        self.status_changed = Event[str]()
        """Fired with the session's new status (see `status`)."""
        self._viewers: set[Viewer] = set()
        self._pending: list[dict[str, Any]] = []
        self._pending_changes: list[Change] = []
        self._flush_handle: asyncio.Handle | None = None
        self._last_flush = 0.0
        self._push_costs: deque[float] = deque(maxlen=5)
        self._wake = asyncio.Event()
        self._seen_start = False
        self._turns_started: set[Any] = set()
        self._endings: set[tuple[str, int]] = set()
        self._terminal: str | None = None
        self._reconnect = False
        self._task: asyncio.Task | None = None
        self._linger_handle: asyncio.TimerHandle | None = None

    # -- viewers ------------------------------------------------------------------------------------------------

    @property
    def viewer_count(self) -> int:
        return len(self._viewers)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def join(self, on_events: Callable[[Batch], Any], on_state: Callable[[HubState], Any] | None = None, *,
             on_status: Callable[[str], Any] | None = None, allowed: Callable[[], bool] | None = None,
             on_revoked: Callable[[], Any] | None = None) -> tuple[list[dict[str, Any]], Viewer]:
        """Subscribe a viewer; returns the events held so far (the replay) and the subscription. `on_status` hears
        every change of `status` from here on; `allowed` is asked before every push to this viewer (see `Viewer`)."""
        self._flush()  # held-back events go to current viewers first, so the replay and the tail meet exactly
        viewer = Viewer(self, on_events, on_state, allowed, on_revoked, on_status)
        self._viewers.add(viewer)
        if self._linger_handle is not None:
            self._linger_handle.cancel()
            self._linger_handle = None
        self.events_pushed.subscribe(viewer._push, unsubscribe_on_delete=False)
        if on_state is not None:
            self.state_changed.subscribe(viewer._push_state, unsubscribe_on_delete=False)
        if on_status is not None:
            self.status_changed.subscribe(viewer._push_status, unsubscribe_on_delete=False)
        if not self.running:
            self._start()
        return list(self.transcript.raw.events), viewer

    @property
    def dropped(self) -> int:
        """How many of the oldest events the hub let go (pages say so; downloads read the session afresh)."""
        return self.transcript.raw.events_dropped

    def _leave(self, viewer: Viewer) -> None:
        self._viewers.discard(viewer)
        self.events_pushed.unsubscribe(viewer._push)
        if viewer._on_state is not None:
            self.state_changed.unsubscribe(viewer._push_state)
        if viewer._on_status is not None:
            self.status_changed.unsubscribe(viewer._push_status)
        if not self._viewers and self.running and self._linger_handle is None:
            self._linger_handle = asyncio.get_running_loop().call_later(self._linger, self._linger_expired)
        elif not self._viewers and not self.running and self._on_stop is not None:
            self._on_stop(self)  # a hub with nothing to read (deleted upstream) is forgotten with its last viewer

    def _linger_expired(self) -> None:
        self._linger_handle = None
        if not self._viewers and not self.following and self._task is not None:
            self._task.cancel()

    # -- the session's status ------------------------------------------------------------------------------------

    @property
    def status(self) -> str:
        """The session's current status: AoD's latest answer moved on by the events pushed since (empty until
        either is known). Only what is not behind the known status counts (`transcript.SessionStatus`), so an answer
        from before the latest events, or events a resumed connection repeats, never take it back."""
        return self._status.value

    def answer(self, status: str, turn: int | None = None) -> None:
        """What AoD said the session's status is (a read of the session, the acknowledgement of a follow-up or a
        stop), with the current turn when the answer names it."""
        self._flush()  # the events read before the answer count first
        if self._status.answer(status, turn):
            self.status_changed.emit(self._status.value)

    def _hear(self, events: list[dict[str, Any]]) -> None:
        if self._status.hear(events):
            self.status_changed.emit(self._status.value)

    def wake(self) -> None:
        """Reconnect now: a follow-up prompt was accepted, or the session may have changed."""
        self._reconnect = True
        self._wake.set()
        if self._viewers and not self.running:
            self._start()

    def _start(self) -> None:
        self._task = self._spawn(self._run(), f'stream of session {self.session_id}')

    async def stop(self) -> None:
        """End the hub's task (at shutdown)."""
        if self._linger_handle is not None:
            self._linger_handle.cancel()
            self._linger_handle = None
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # -- the stream ---------------------------------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        try:
            await self.prepare()
            if self.state.phase == 'gone':
                return
            if self._expect_active and self.settled.is_set():  # archived whole, and a follow-up came since
                self._terminal = None
                self.settled.clear()
                self.archived_complete = False
            self._expect_active = False
            while True:
                if self._terminal is not None:
                    if self._terminal in TERMINAL_TYPES | {'closed'} and not self.settled.is_set():
                        await self._settle()
                    if not self._viewers and self.following and self.settled.is_set() and not self._reconnect:
                        return  # read to its end for the archive, and nobody watches
                    await self._wait_idle()
                    continue
                self._set_state(HubState('connecting' if self.connections == 0 else 'reconnecting'))
                before = self.cursor
                self._reconnect = False  # this connection is the reconnect asked for; failures from here back off
                try:
                    await self._read_once()
                except UpstreamError as error:
                    if error.kind == 'not_found':
                        self._set_state(HubState('gone', 'AoD no longer knows this session: it was deleted.'))
                        if self._log is not None:
                            await self._log.gone()
                        return
                    failures += 1
                    delay = self._backoff(failures)
                    self._set_state(HubState('reconnecting', error.message, retry_in=delay))
                    await self._sleep_or_wake(delay)
                    continue
                progressed = self.cursor != before
                if progressed:
                    failures = 0
                if self._terminal in TERMINAL_TYPES:
                    continue
                # `stale`, or the connection ended without a terminal event: resume. A connection that brought
                # nothing new to a session that no longer runs means there is nothing left to follow.
                self._terminal = None
                if not progressed and not await self._still_active():
                    self._terminal = 'closed'
                    continue
                failures += 0 if progressed else 1
                delay = self._backoff(failures) if failures else 0.0
                self._set_state(HubState('reconnecting', 'The stream from AoD was interrupted; resuming.',
                                         retry_in=delay or None))
                await self._sleep_or_wake(delay)
        finally:
            self._flush()
            if self.state.phase != 'gone':
                self._set_state(HubState('stopped'))
            if self._log is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._log.close())
            self.settled.set()
            if self._on_stop is not None:
                self._on_stop(self)

    async def _read_once(self) -> None:
        self.connections += 1
        async with contextlib.aclosing(self._source.stream(self.session_id, since=self.cursor)) as stream:
            self._set_state(HubState('live'))
            async for event in stream:
                self._accept(event)
                if event.type in TERMINAL_TYPES or event.type == 'stale':
                    self._terminal = event.type
        self._flush()

    def _accept(self, event: StreamEvent) -> None:
        payload = event.payload
        kind = event.type
        if event.cursor is not None and kind in TERMINAL_TYPES | {'stale'}:
            # a terminal event carries the id of the last row before it, so it repeats the cursor it ends on
            if (kind, event.cursor) in self._endings:
                return
            self._endings.add((kind, event.cursor))
            if self.cursor is None or event.cursor > self.cursor:
                self.cursor = event.cursor
        elif event.cursor is not None:
            if self.cursor is not None and event.cursor <= self.cursor:
                return  # already delivered before a reconnect
            self.cursor = event.cursor
        elif kind == 'start':
            if self._seen_start:
                return  # every connection opens with `start`; viewers need it once
            self._seen_start = True
        elif kind == 'turn_start':
            turn = payload.get('turn')
            if turn in self._turns_started:
                return
            self._turns_started.add(turn)
        self.last_event_at = time.time()
        if event.cursor is not None and kind not in TERMINAL_TYPES | {'stale'}:
            self.rows_read += 1
            self.last_output_at = self.last_event_at
        if self._log is not None:
            self._log.append(event.cursor, payload)
        self._pending.append(payload)
        self._pending_changes.extend(self.transcript.feed(payload))
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_handle is not None:
            return
        loop = asyncio.get_running_loop()
        cost = statistics.median(self._push_costs) if self._push_costs else 0.0
        interval = max(self._batch_interval, min(MAX_STRETCH, PUSH_SHARE * cost))
        delay = self._last_flush + interval - time.monotonic()
        # a lone event goes out on the next loop turn; one arriving within a batch interval of the last push waits
        # for the interval to end, so a burst becomes one push per viewer. The interval stretches with what recent
        # pushes cost (every viewer's page updated in them), so a burst never spends more than about 1/(1 + PUSH_SHARE)
        # of the process on pushing: the rest goes to reading the stream, and a long backlog is shown in a few large
        # pushes instead of hundreds of small ones that would each be scrolled out of the page at once.
        self._flush_handle = loop.call_soon(self._flush) if delay <= 0 else loop.call_later(delay, self._flush)

    def _flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if not self._pending and not self._pending_changes:
            return
        batch = Batch(self._pending, self._pending_changes)
        self._pending, self._pending_changes = [], []
        started = time.monotonic()
        self.events_pushed.emit(batch)
        self._hear(batch.events)  # after the batch, so a page shows the exit code its new status speaks of
        self._last_flush = time.monotonic()
        self._push_costs.append(self._last_flush - started)

    def set_turn_prompts(self, prompts: dict[int, str]) -> None:
        """Label the transcript's turns with their prompts (AoD's stream does not carry them)."""
        for turn, prompt in prompts.items():
            self._pending_changes.extend(self.transcript.set_turn_prompt(turn, prompt))
        if self._pending_changes:
            self._schedule_flush()

    def quiet_for(self, now: float | None = None, *, after: float = QUIET_AFTER) -> float | None:
        """How long the live stream has brought nothing new, once that is `after` seconds or more; else None (also
        when the hub is not reading live, or has read nothing yet)."""
        if self.state.phase != 'live' or self.last_output_at is None or self._terminal is not None:
            return None
        quiet = (time.time() if now is None else now) - self.last_output_at
        return quiet if quiet >= after else None

    # -- waiting ------------------------------------------------------------------------------------------------

    async def _wait_idle(self) -> None:
        """After the session finished a turn: wait for a follow-up, or poll AoD in case one came from elsewhere."""
        self._set_state(HubState('idle'))
        await self._sleep_or_wake(self._idle_poll)
        if self._reconnect:
            self._reconnect = False
            self._terminal = None
            self.settled.clear()
            self.archived_complete = False
        elif self._terminal not in {'error', 'terminated'} and await self._still_active():
            self._terminal = None

    async def _still_active(self) -> bool:
        try:
            session = await self._source.get_session(self.session_id)
        except UpstreamError:
            return False
        self._info = session
        status = getattr(session, 'status', '')
        self.answer(status, getattr(session, 'current_turn', None) or getattr(session, 'turn_count', None))
        return status in ACTIVE

    async def _sleep_or_wake(self, seconds: float) -> None:
        self._wake.clear()
        if seconds > 0 and not self._reconnect:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    def _backoff(self, failures: int) -> float:
        base = min(self._max_backoff, 0.5 * 2 ** (failures - 1))
        return base * random.uniform(0.8, 1.2)

    def _set_state(self, state: HubState) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
