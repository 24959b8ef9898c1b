"""The archive of every session the dashboard has read: an index of what it holds, its writers, its size and growth,
and what went wrong writing it.

The index (one small `<id>.meta.json` per session, read at start-up) says which archives are complete (the session
had ended when it was stored), which sessions AoD no longer has (`deleted_upstream_at`), and what AoD last said
about each (`info`: status, times, exit code, prompts), so a session deleted upstream can still be shown.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from storage import run_io
from storage._files import ensure_private_folder, replace_file

from ..errors import StorageError
from ._files import SessionFiles, WriteHook, valid_id
from ._log import SessionLog, is_disk_full

__all__ = ['Archive', 'ArchiveListener', 'ArchiveUsage']

log = logging.getLogger(__name__)
USAGE_FILE = 'usage.json'
SAMPLE_EVERY = 3600.0
"""Seconds between two size samples kept for the growth figure (30 days of them)."""


class ArchiveListener(Protocol):
    """Told what the archive wrote, on the event loop (no I/O): the search index."""

    def written(self, session_id: str, first: int, lines: list[str]) -> None: ...

    def prompts(self, session_id: str, prompts: dict[str, str]) -> None: ...

    def removed(self, session_id: str) -> None: ...


@dataclass(frozen=True)
class ArchiveUsage:
    """The archive's size and growth, for Operations."""

    bytes: int
    sessions: int
    complete: int
    deleted_upstream: int
    growth_per_day: float | None
    """Bytes per day over the last day (or since the first sample), None until there are two samples."""
    written_since_start: int
    problem: str | None


class Archive:
    """Every session's archive under one folder (`AOD_UI_DATA_DIR/archive`)."""

    def __init__(self, folder: Path, *, fsync_interval: float = 1.0, write_hook: WriteHook = os.write,
                 clock: Callable[[], float] = time.time) -> None:
        self.folder = folder
        self.fsync_interval = fsync_interval
        self.write_hook = write_hook
        self.clock = clock
        self._index: dict[str, dict[str, Any]] = {}
        self.problem: str | None = None
        """A sentence saying why archiving stopped (a full disk), until a write works again."""
        self.problem_sessions: set[str] = set()
        self.written_since_start = 0
        self._samples: list[tuple[float, int]] = []
        self.listener: ArchiveListener | None = None
        """Told of every write (the search index), when there is one."""

    def open(self) -> None:
        """Read the index (blocking: call through `run_io` from async code)."""
        ensure_private_folder(self.folder)
        metas: dict[str, dict[str, Any]] = {}
        for entry in os.scandir(self.folder):
            name = entry.name
            for suffix in ('.meta.json', '.jsonl.gz', '.jsonl'):
                if name.endswith(suffix) and not name.startswith('.'):
                    session_id = name[:-len(suffix)]
                    if not valid_id(session_id):
                        break
                    metas.setdefault(session_id, {})
                    if suffix == '.meta.json':
                        meta = SessionFiles(self.folder, session_id).read_meta()
                        if meta is not None:
                            metas[session_id].update(meta)
                    break
        self._index = metas
        with contextlib.suppress(FileNotFoundError, ValueError, TypeError):
            self._samples = [(float(t), int(b)) for t, b in
                             json.loads((self.folder / USAGE_FILE).read_text(encoding='utf-8'))]

    # -- the index ----------------------------------------------------------------------------------------------

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._index))

    def meta(self, session_id: str) -> dict[str, Any] | None:
        return self._index.get(session_id)

    def complete(self, session_id: str) -> bool:
        meta = self._index.get(session_id)
        return bool(meta and meta.get('complete'))

    def deleted_upstream(self, session_id: str) -> bool:
        meta = self._index.get(session_id)
        return bool(meta and meta.get('deleted_upstream_at'))

    def log(self, session_id: str) -> SessionLog | None:
        """A writer for one session's archive (its hub's), or None for an id that cannot name a file."""
        return SessionLog(self, session_id) if valid_id(session_id) else None

    def note_active(self, session_id: str) -> None:
        self._index.setdefault(session_id, {})['complete'] = False

    def note_complete(self, session_id: str, meta: dict[str, Any]) -> None:
        self._index[session_id] = dict(meta)
        self._tell_prompts(session_id, meta)

    def _tell_prompts(self, session_id: str, meta: dict[str, Any]) -> None:
        prompts = (meta.get('info') or {}).get('prompts')
        if self.listener is not None and isinstance(prompts, dict):
            self.listener.prompts(session_id, prompts)

    async def remember(self, session_id: str, info: dict[str, Any]) -> None:
        """Keep what AoD says about an archived session (status, times, prompts) for when AoD no longer has it."""
        meta = self._index.get(session_id)
        if meta is None or meta.get('info') == {**meta.get('info', {}), **info}:
            return
        meta['info'] = {**meta.get('info', {}), **info}
        self._tell_prompts(session_id, meta)
        await self._write_meta(session_id, meta)

    async def mark_deleted(self, session_id: str) -> None:
        """AoD no longer has this session: the archive keeps it, marked, until archive retention removes it."""
        meta = self._index.get(session_id)
        if meta is None or meta.get('deleted_upstream_at'):
            return
        meta['deleted_upstream_at'] = self.clock()
        await self._write_meta(session_id, meta)
        log.info('session %s is gone from AoD; its archived copy is kept', session_id)

    async def _write_meta(self, session_id: str, meta: dict[str, Any]) -> None:
        try:
            await run_io(SessionFiles(self.folder, session_id).write_meta, meta)
        except OSError as error:
            self.failed(session_id, self.describe(error))

    async def remove(self, session_id: str) -> int:
        """Delete a session's archive; returns the bytes freed."""
        self._index.pop(session_id, None)
        if self.listener is not None:
            self.listener.removed(session_id)
        if not valid_id(session_id):
            return 0
        return await run_io(SessionFiles(self.folder, session_id).remove)

    def expired(self, days: float, now: float | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Archives of sessions deleted upstream more than `days` ago (none when `days` is 0), oldest first."""
        if days <= 0:
            return []
        now = self.clock() if now is None else now
        found = [(session_id, meta) for session_id, meta in self._index.items()
                 if meta.get('deleted_upstream_at') and now - meta['deleted_upstream_at'] > days * 86400]
        return sorted(found, key=lambda item: item[1]['deleted_upstream_at'])

    async def events(self, session_id: str) -> list[dict[str, Any]]:
        """Every archived event of a session, in order (read in a worker thread)."""
        if session_id not in self._index or not valid_id(session_id):
            return []
        try:
            return await run_io(lambda: list(SessionFiles(self.folder, session_id).events()))
        except (OSError, ValueError) as error:
            raise StorageError(f'The archived copy of session {session_id} cannot be read ({error}).') from None

    async def head(self, session_id: str, limit: int) -> list[dict[str, Any]]:
        """The first `limit` archived events of a session (read in a worker thread, no further than that)."""
        if session_id not in self._index or not valid_id(session_id):
            return []
        try:
            return await run_io(lambda: list(SessionFiles(self.folder, session_id).head(limit)))
        except (OSError, ValueError) as error:
            raise StorageError(f'The archived copy of session {session_id} cannot be read ({error}).') from None

    # -- writing and its problems -------------------------------------------------------------------------------

    def wrote(self, count: int) -> None:
        self.written_since_start += count
        if self.problem is not None:
            self.problem = None
            self.problem_sessions.clear()
            log.warning('the archive is written again')

    def describe(self, error: OSError) -> str:
        if is_disk_full(error):
            return (f'The disk holding the archive ({self.folder}) is full: new output is not being archived. Live '
                    'viewing goes on from memory. Free some space and the archive catches up from AoD by itself '
                    '(a lower AOD_UI_ARCHIVE_DAYS keeps copies of deleted sessions for less long).')
        return f'The archive in {self.folder} cannot be written ({error.strerror or error}).'

    def failed(self, session_id: str, message: str) -> None:
        if self.problem != message:
            log.error('%s (session %s)', message, session_id)
        self.problem = message
        self.problem_sessions.add(session_id)

    async def probe(self) -> bool:
        """After a failure: try a small write; clears the problem when it works."""
        if self.problem is None:
            return True
        probe = self.folder / '.probe'

        def attempt() -> None:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                self.write_hook(fd, b'probe\n' * 64)
                os.fsync(fd)
            finally:
                os.close(fd)
                with contextlib.suppress(OSError):
                    probe.unlink()
        try:
            await run_io(attempt)
        except OSError:
            return False
        self.wrote(0)
        return True

    # -- size ---------------------------------------------------------------------------------------------------

    async def usage(self) -> ArchiveUsage:
        """The archive's size now and its growth (a size sample is kept every hour for 30 days)."""
        size = await run_io(self._disk_bytes)
        now = self.clock()
        if not self._samples or now - self._samples[-1][0] >= SAMPLE_EVERY:
            self._samples = [s for s in self._samples if now - s[0] <= 30 * 86400] + [(now, size)]
            with contextlib.suppress(OSError):
                await run_io(replace_file, self.folder / USAGE_FILE, json.dumps(self._samples).encode())
        growth = None
        older = [s for s in self._samples if now - s[0] >= 60]
        if older:
            day = [s for s in older if now - s[0] <= 86400] or older
            since, then = day[0]
            growth = (size - then) / max(now - since, 1.0) * 86400
        metas = list(self._index.values())
        return ArchiveUsage(bytes=size, sessions=len(metas), complete=sum(bool(m.get('complete')) for m in metas),
                            deleted_upstream=sum(bool(m.get('deleted_upstream_at')) for m in metas),
                            growth_per_day=growth, written_since_start=self.written_since_start,
                            problem=self.problem)

    def _disk_bytes(self) -> int:
        total = 0
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(self.folder):
                if entry.name.endswith(('.jsonl', '.jsonl.gz', '.meta.json')):
                    with contextlib.suppress(FileNotFoundError):
                        total += entry.stat().st_size
        return total

