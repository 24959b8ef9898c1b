"""Keeps the archive whole: follows every active session AoD lists (watched or not), backfills finished sessions that
are not archived yet, and notices sessions AoD no longer has.

Every read goes through the session's hub (`HubRegistry.hub(id).follow()`), so a session has one upstream reader
however many viewers, downloads and backfills want it. Active sessions are followed at once. Finished ones are
read newest first by at most `streams` readers at a time, starting at most `rate` streams (and deletion checks)
per second, so a dashboard that meets a thousand old sessions reads them in the background without crowding
AoD or live viewing. A backfill that makes no progress for `stall` seconds is put back and tried later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from nicegui import background_tasks

from ..errors import UpstreamError
from ._archive import Archive

__all__ = ['Follower']

log = logging.getLogger(__name__)


class Follower:
    """The background reader of the archive (one per dashboard)."""

    def __init__(self, archive: Archive, hubs: Any, list_sessions: Callable[[], Awaitable[list[Any]]],
                 get_session: Callable[[str], Awaitable[Any]], *, rate: float = 2.0, streams: int = 2,
                 scan_interval: float = 15.0, stall: float = 120.0, retry_after: float = 600.0) -> None:
        self.archive = archive
        self.hubs = hubs
        self._list_sessions = list_sessions
        self._get_session = get_session
        self.rate = rate
        self.streams = streams
        self.scan_interval = scan_interval
        self.stall = stall
        self.retry_after = retry_after
        self.queue: dict[str, float] = {}
        """Finished sessions waiting to be read: id → creation time (the newest is read first)."""
        self.reading: set[str] = set()
        self._later: dict[str, float] = {}
        self._wakeup = asyncio.Event()
        self._last_call = 0.0
        self._workers: list[asyncio.Task] = []
        self.last_scan_error: str | None = None

    # -- the loop -----------------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Scan now and every `scan_interval` seconds; backfill between scans."""
        self._workers = [background_tasks.create(self._backfill(), name=f'archive backfill {n}')
                         for n in range(self.streams)]
        try:
            while True:
                with contextlib.suppress(UpstreamError):
                    await self.scan()
                await self.archive.probe()
                await asyncio.sleep(self.scan_interval)
        finally:
            for worker in self._workers:
                worker.cancel()

    async def scan(self) -> None:
        """Follow what is active, queue what is finished and not archived, mark what AoD no longer has."""
        try:
            sessions = await self._list_sessions()
        except UpstreamError as error:
            self.last_scan_error = error.message
            raise
        self.last_scan_error = None
        from . import snapshot
        listed = set()
        now = time.monotonic()
        for info in sessions:
            listed.add(info.id)
            if info.status in {'pending', 'running'}:
                self.hubs.hub(info.id).follow(active=True)
            elif self.archive.complete(info.id):
                await self.archive.remember(info.id, snapshot(info))
            elif info.id not in self.reading and self._later.get(info.id, 0) <= now:
                created = info.created_at or datetime.fromtimestamp(0, UTC)
                self.queue[info.id] = created.timestamp()
        for session_id in self.archive:
            if session_id not in listed and not self.archive.deleted_upstream(session_id):
                await self._check_gone(session_id)
        if self.queue:
            self._wakeup.set()

    async def _check_gone(self, session_id: str) -> None:
        await self._pace()
        try:
            await self._get_session(session_id)
        except UpstreamError as error:
            if error.kind == 'not_found':
                self.queue.pop(session_id, None)
                await self.archive.mark_deleted(session_id)

    # -- backfill -----------------------------------------------------------------------------------------------

    def _next(self) -> str | None:
        if not self.queue:
            return None
        session_id = max(self.queue, key=self.queue.__getitem__)
        del self.queue[session_id]
        return session_id

    async def _backfill(self) -> None:
        while True:
            session_id = self._next()
            if session_id is None:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            if self.archive.complete(session_id) or self.archive.deleted_upstream(session_id):
                continue
            self.reading.add(session_id)
            try:
                await self._pace()
                await self._read(session_id)
            except Exception:
                log.exception('backfilling session %s failed', session_id)
            finally:
                self.reading.discard(session_id)

    async def _read(self, session_id: str) -> None:
        hub = self.hubs.hub(session_id)
        hub.follow()
        progress, moved_at = hub.rows_read, time.monotonic()
        while not hub.settled.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(hub.settled.wait(), timeout=min(self.stall, 5.0))
            if hub.rows_read != progress:
                progress, moved_at = hub.rows_read, time.monotonic()
            elif time.monotonic() - moved_at > self.stall:
                # AoD keeps failing this one: let it go, try again later (a viewer's hub goes on regardless)
                self._later[session_id] = time.monotonic() + self.retry_after
                hub.following = False
                if hub.viewer_count == 0:
                    await hub.stop()
                return

    async def _pace(self) -> None:
        """At most `rate` stream starts and checks per second."""
        wait = self._last_call + 1 / self.rate - time.monotonic()
        self._last_call = max(time.monotonic(), self._last_call + 1 / self.rate)
        if wait > 0:
            await asyncio.sleep(wait)

    def status(self) -> dict[str, Any]:
        """For Operations: what waits and what is being read, with its progress."""
        reading = {}
        for session_id in sorted(self.reading):
            hub = self.hubs.get(session_id)
            reading[session_id] = hub.rows_read if hub is not None else 0
        return {'queued': len(self.queue), 'reading': reading, 'error': self.last_scan_error}
