"""The writer of one session's archive, used by that session's hub (its one upstream reader).

The hub hands over every event it accepts (`append`, on the event loop, no I/O); a writer task of the session's
own writes them in order through `run_io`, as one write per batch. Durability: every batch is written as soon as
it comes; it is fsynced when the last fsync is `fsync_interval` seconds old, when the session ends and when the
writer closes, so a power cut loses at most about that long of events, which the next start reads again from
AoD (it resumes from the last whole line). A write that fails (a full disk) stops this writer and tells the
`Archive`; the hub keeps serving its viewers from memory, and a later reader resumes from what was stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nicegui import background_tasks

from storage import run_io

from ._files import Line, Scan, SessionFiles, encode, event_of, kind_of

if TYPE_CHECKING:
    from ._archive import Archive

__all__ = ['Seed', 'SessionLog']

log = logging.getLogger(__name__)


@dataclass
class Seed:
    """What a hub starts from: the archived events it should hold, and what resuming needs."""

    events: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    """Archived events before `events` that the hub does not hold (pages say earlier output was let go)."""
    total: int = 0
    rows: int = 0
    cursor: int | None = None
    seen_start: bool = False
    turns_started: set[int] = field(default_factory=set)
    endings: set[tuple[str, int]] = field(default_factory=set)
    complete: bool = False
    """The session had ended when it was archived: nothing to ask AoD for (unless a follow-up comes)."""
    deleted_upstream: bool = False
    last_type: str = ''
    earlier: Sequence[Line] = field(default_factory=list)
    """The archived lines before the tail the hub holds (when it holds less than all), for what must be learnt from
    the whole session (what the agent changed); parse them with `event_of`, off the event loop. Read again later
    with `SessionLog.earlier(len(earlier))`."""


def choose(scan: Scan, hold: int) -> tuple[list[Line], int]:
    """The lines a hub holding about `hold` events starts with: the session's start and provisioning stages, the
    latest turn header before the tail, and the tail from a line boundary. Returns them and how many were left out.
    Looks at the lines the choice needs only (`scan.lines` may parse each as it is looked at)."""
    lines = scan.lines
    if len(lines) <= hold:
        return list(lines), 0
    first = max(1, len(lines) - hold)
    for index in range(first, min(len(lines), first + 500)):  # start where an output chunk ended a line
        before = lines[index - 1]
        if before.type != 'output' or str(event_of(before).get('data', '')).endswith('\n'):
            first = index
            break
    turns = [at for at in scan.turns_at if at < first]
    # the start and stages before the first turn header, and the latest turn header before the tail
    head = [line for line in lines[:turns[0] if turns else first] if line.type in {'start', 'stage'}]
    if turns:
        head.append(lines[turns[-1]])
    chosen = head + list(lines[first:])
    return chosen, len(lines) - len(chosen)


class SessionLog:
    """Appends one session's events to its archive; `load()` first (it repairs a torn last line)."""

    def __init__(self, archive: Archive, session_id: str) -> None:
        self.archive = archive
        self.session_id = session_id
        # The archive's write hook is looked up at each write: a full disk fails every session's appends at once.
        self.files = SessionFiles(archive.folder, session_id, write=lambda fd, data: archive.write_hook(fd, data))
        self.broken: str | None = None
        self.seen = Scan()
        """What resuming needs of every line archived (kept in the index when the session ends), no lines."""
        self._pending: list[str] = []
        self._task: asyncio.Task | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._last_sync = time.monotonic()
        self._loaded = False
        self._reopened = False

    @property
    def total(self) -> int:
        """Events archived (stored and pending)."""
        return self.seen.count

    @property
    def rows(self) -> int:
        return self.seen.rows

    @property
    def cursor(self) -> int | None:
        return self.seen.cursor

    async def load(self, hold: int) -> Seed:
        """Read what is archived (in a worker thread) and choose what the hub holds of it. A session archived
        whole is read by its tail: what resuming needs of the lines before it was recorded when it ended."""
        finished = self._finished()

        def read() -> tuple[Scan, list[dict[str, Any]], int]:
            with contextlib.suppress(ValueError):  # not as recorded: read it whole
                scan = finished()
                if scan is not None:
                    lines, skipped = choose(scan, hold)
                    return scan, [event_of(line) for line in lines], skipped
            scan = self.files.scan()
            lines, skipped = choose(scan, hold)
            return scan, [event_of(line) for line in lines], skipped
        try:
            scan, events, skipped = await run_io(read)
            earlier = scan.lines[:len(scan.lines) - len(events) + _head_size(events)] if skipped else []
        except (OSError, ValueError) as error:
            # left as it is (it may be the only copy of a session AoD deleted); this hub reads AoD into memory only
            self._fail(f'The archive of session {self.session_id} could not be read ({error}); the session is '
                       'shown from AoD without archiving it.')
            scan, events, skipped, earlier = Scan(), [], 0, []
        self._loaded = True
        self.seen = dataclasses.replace(scan, lines=[], count=len(scan.lines), turns_started=set(scan.turns_started),
                                        endings=set(scan.endings), turns_at=list(scan.turns_at))
        meta = self.archive.meta(self.session_id)
        # complete when the last compaction followed the session to its end and nothing was appended since
        complete = bool(meta and meta.get('complete')) and meta.get('events') == len(scan.lines)  # type: ignore[union-attr]
        return Seed(events=events, skipped=skipped, total=len(scan.lines), rows=scan.rows, cursor=scan.cursor,
                    seen_start=scan.seen_start, turns_started=scan.turns_started, endings=scan.endings,
                    complete=complete, deleted_upstream=bool(meta and meta.get('deleted_upstream_at')),
                    last_type=scan.last_type, earlier=earlier)

    def append(self, cursor: int | None, payload: dict[str, Any]) -> None:
        """Keep one accepted event (written by the writer task, in order)."""
        if self.broken is not None:
            return
        self._pending.append(encode(cursor, payload))
        self.seen.note(cursor, kind_of(payload), lambda: payload)
        if not self._reopened:
            self._reopened = True  # the archive is open again: on disk too, before its first new line
            self.archive.note_active(self.session_id)
            self._pending.insert(0, '')
        if self._task is None or self._task.done():
            self._idle.clear()
            self._task = background_tasks.create(self._write_all(), name=f'archive of session {self.session_id}')

    async def _write_all(self) -> None:
        try:
            while self._pending and self.broken is None:
                lines, self._pending = self._pending, []
                if lines[0] == '':
                    meta = {**(self.archive.meta(self.session_id) or {}), 'complete': False}
                    try:
                        await run_io(self.files.write_meta, meta)
                    except OSError as error:
                        self._fail(self.archive.describe(error))
                        return
                    lines = lines[1:]
                first = self.total - len(self._pending) - len(lines)  # events archived before these
                now = time.monotonic()
                sync = now - self._last_sync >= self.archive.fsync_interval
                try:
                    written = await run_io(self.files.append, lines, sync=sync)
                except OSError as error:
                    self._fail(self.archive.describe(error))
                    return
                if sync:
                    self._last_sync = now
                self.archive.wrote(written)
                if self.archive.listener is not None:
                    self.archive.listener.written(self.session_id, first, lines)
        finally:
            self._idle.set()

    async def drain(self, *, sync: bool = True) -> None:
        """Wait until every appended event is written (and fsynced)."""
        while not self._idle.is_set():
            await self._idle.wait()
        if sync and self.broken is None:
            try:
                await run_io(self.files.sync)
            except OSError as error:
                self._fail(self.archive.describe(error))
            self._last_sync = time.monotonic()

    async def finish(self, info: dict[str, Any] | None = None) -> None:
        """The session ended: write what is left, compress the events, and record the archive as complete."""
        await self.drain()
        if self.broken is not None or not self._loaded:
            return
        meta = {**(self.archive.meta(self.session_id) or {}), 'complete': True, 'events': self.total,
                'rows': self.rows, 'cursor': self.cursor, 'seen': self.seen.summary(), 'finished_at': time.time()}
        if info:
            meta['info'] = {**meta.get('info', {}), **info}

        def pack() -> int:
            size, members = self.files.compact(meta.get('members'))
            meta['members'] = members
            self.files.write_meta({**meta, 'bytes': size})
            return size
        try:
            size = await run_io(pack)
        except OSError as error:
            self._fail(self.archive.describe(error))
            return
        self._reopened = False
        self.archive.note_complete(self.session_id, {**meta, 'bytes': size})

    async def earlier(self, count: int) -> Sequence[Line]:
        """The first `count` archived lines again (a hub's `Seed.earlier`, read when it is needed)."""
        finished = self._finished()

        def read() -> Sequence[Line]:
            with contextlib.suppress(ValueError):  # member by member when they were recorded
                scan = finished()
                if scan is not None:
                    return scan.lines[:count]
            return self.files.scan(repair=False).lines[:count]
        return await run_io(read)

    def _finished(self) -> Callable[[], Scan | None]:
        """A worker-thread read of the session as its index recorded it when it ended (`SessionFiles.finished`);
        it gives None when nothing was recorded, or not that."""
        recorded = self.archive.meta(self.session_id) or {}
        if not recorded.get('complete') or 'seen' not in recorded:
            return lambda: None
        return lambda: self.files.finished(recorded.get('events', -1), recorded['seen'], recorded.get('members'))

    def info(self) -> dict[str, Any]:
        """What the archive keeps about the session beside its events (AoD's last word, prompts, what changed)."""
        meta = self.archive.meta(self.session_id)
        info = meta.get('info') if isinstance(meta, dict) else None
        return info if isinstance(info, dict) else {}

    async def remember(self, info: dict[str, Any]) -> None:
        """Add to what the archive keeps about the session (see `Archive.remember`)."""
        await self.archive.remember(self.session_id, info)

    async def gone(self) -> None:
        """AoD answered that the session does not exist (any more): keep what was archived, marked."""
        await self.drain()
        if self.session_id in self.archive:
            await self.archive.mark_deleted(self.session_id)

    async def close(self) -> None:
        """Write what is left and close the file (the hub stopped before the session ended)."""
        await self.drain()
        with contextlib.suppress(OSError):
            await run_io(self.files.close)

    def _fail(self, message: str) -> None:
        self.broken = message
        self._pending.clear()
        self.archive.failed(self.session_id, message)


def _head_size(events: list[dict[str, Any]]) -> int:
    """How many of the chosen events are the head `choose` keeps before the tail (start, stages, a turn header).
    A tail that itself begins with such events counts them too, so `Seed.earlier` may end with a few of them: they
    carry nothing the earlier lines are read for."""
    count = 0
    for event in events:
        if event.get('type') not in {'start', 'stage', 'turn_start'}:
            break
        count += 1
    return count


def is_disk_full(error: OSError) -> bool:
    return error.errno in {errno.ENOSPC, errno.EDQUOT}
