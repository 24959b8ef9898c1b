"""The search index: every readable output line of every archived session, in SQLite FTS5 beside the archive.

It is derived data. The archive feeds it as it writes (`written`, on the event loop, no I/O); one writer thread
of its own turns the events into lines (`LineDemux`, as the pages cut them) and what a person reads of each line
(`readable_line`), and writes them in batches, one transaction per batch. Each session's place (events indexed,
lines, the unfinished line) is stored with its rows (both written by `_rows.Rows`), so a restart resumes; a batch
that does not follow on from it (a gap after a crash) re-reads that session from the archive. A damaged file is
discarded and rebuilt from the archive, in the writer thread, while searches answer from what is indexed so far and
say so.

The archive is what the index is made from, so the index heals itself: a batch that cannot be written (a full disk,
a file locked by another program) is dropped, its sessions are marked behind, and every `retry` seconds the writer
opens the file again and reads those sessions on from the archive (from each session's stored place), until it
works. At start it compares every archived session with its place in the index and catches up the ones behind (a
crash lost what was queued) and forgets the ones no longer archived.

Visibility is part of every query: a search names the sessions the person may see (and that match the list's
filters), and rows of any other session are never read, counted or cut into a snippet.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import StorageError
from ._archived import archived_ids
from ._query import parse_query
from ._reading import CORRUPT, Damaged, Results, lines_of, search
from ._rows import Rows
from ._schema import connect, discard

__all__ = ['SearchIndex']

log = logging.getLogger(__name__)
BATCH = 20_000
"""At most this many queued jobs go into one transaction."""
RETRY = 5.0
"""Seconds between two attempts to write again after a failed write."""
EVERYTHING, CHECK = '', '?'
"""Not session ids: the whole index is behind (a rebuild could not be written); every session is to be compared
with its archive (at start)."""
Progress = Callable[[int, int, int], None]
"""Called with sessions done, sessions in all, lines indexed."""


class SearchIndex:
    """The full-text index of the archive (`AOD_UI_DATA_DIR/search.sqlite`)."""

    def __init__(self, path: Path, archive_folder: Path, *, enabled: bool = True, retry: float = RETRY,
                 busy_timeout: float = 10.0) -> None:
        self.path = path
        self.archive_folder = archive_folder
        self.enabled = enabled
        """False with `AOD_UI_SEARCH=false`: nothing is indexed and searches say so."""
        self._jobs: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._rows = Rows(archive_folder)
        self.rebuilding: tuple[int, int] | None = None
        """(sessions done, sessions in all) while the index is rebuilt from the archive."""
        self.problem: str | None = None
        self.retry = retry
        self.busy_timeout = busy_timeout
        """Seconds a write waits for another program holding the file's lock before it fails (and is retried)."""
        self._fresh = False
        self._behind: set[str] = set()
        """Sessions whose latest events the index lacks: read on from the archive at the next write that works."""
        self._next_try = 0.0

    # -- the archive's side (event loop, no I/O) ------------------------------------------------------------------

    def written(self, session_id: str, first: int, lines: list[str]) -> None:
        """Archive lines of a session were written; `first` is the number of events archived before them."""
        self._jobs.put(('events', session_id, first, lines))

    def prompts(self, session_id: str, prompts: dict[str, str]) -> None:
        self._jobs.put(('prompts', session_id, prompts))

    def removed(self, session_id: str) -> None:
        self._jobs.put(('remove', session_id))

    # -- the writer thread ----------------------------------------------------------------------------------------

    def start(self) -> None:
        """Open (or rebuild) the index and start its writer thread."""
        if self._thread is None and self.enabled:
            self._thread = threading.Thread(target=self._run, name='search index writer', daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._jobs.put(('stop',))
            self._thread.join(timeout)
            self._thread = None

    def settle(self, timeout: float = 60.0) -> bool:
        """Wait (blocking) until everything handed over so far is written, or noted behind when it could not be
        (`behind`, `problem`); False on timeout."""
        done = threading.Event()
        self._jobs.put(('mark', done))
        return done.wait(timeout)

    @property
    def behind(self) -> int:
        """How many sessions the index lacks the latest events of (after failed writes, until it caught up)."""
        return len(self._behind)

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        self._behind.add(CHECK)  # first: catch up what a crash left behind
        jobs: list[tuple[Any, ...]] = []
        while True:
            if conn is None and time.monotonic() >= self._next_try:
                conn = self._reopen()
            if conn is not None:
                conn = self._write(conn, jobs)
            else:
                self._note_behind(jobs)
            for job in jobs:
                if job[0] == 'mark':
                    job[1].set()
            if any(job[0] == 'stop' for job in jobs):
                if conn is not None:
                    conn.close()
                return
            jobs = self._take(conn)

    def _take(self, conn: sqlite3.Connection | None) -> list[tuple[Any, ...]]:
        """The next jobs; after a failure, none once it is time to try again (so the catching up needs no write)."""
        waiting = conn is None or bool(self._behind)
        try:
            jobs = [self._jobs.get(timeout=max(0.01, self._next_try - time.monotonic()) if waiting else None)]
        except queue.Empty:
            return []
        with contextlib.suppress(queue.Empty):
            while len(jobs) < BATCH:
                jobs.append(self._jobs.get_nowait())
        return jobs

    def _write(self, conn: sqlite3.Connection, jobs: list[tuple[Any, ...]]) -> sqlite3.Connection | None:
        """Write one batch in one transaction (sessions behind first); on failure, note them all behind."""
        behind = set(self._behind)
        try:
            with conn:
                self._catch_up(conn, behind)
                for job in jobs:
                    if job[0] not in {'mark', 'stop'}:
                        self._apply(conn, job)
                self._rows.save_places(conn)
            self._behind -= behind
            self.problem = None
            return conn
        except sqlite3.DatabaseError as error:
            self._note_behind(jobs)
            return self._failed(conn, error)

    def _note_behind(self, jobs: list[tuple[Any, ...]]) -> None:
        """Jobs that were not written: their sessions are read again from the archive (which has what they had)."""
        for job in jobs:
            if job[0] in {'events', 'prompts', 'remove'}:
                self._behind.add(job[1])
            elif job[0] == 'reindex':
                self._behind.add(EVERYTHING)

    def _reopen(self) -> sqlite3.Connection | None:
        try:
            return self._open()
        except (sqlite3.DatabaseError, OSError) as error:  # locked, no space for the journal: tried again later
            if self._fresh:
                self._behind.add(EVERYTHING)  # the new index's rebuild did not finish
            self._problem(error)
            self._next_try = time.monotonic() + self.retry
            return None

    def _failed(self, conn: sqlite3.Connection, error: sqlite3.DatabaseError) -> sqlite3.Connection | None:
        self._rows.places.clear()
        self.rebuilding = None  # a rebuild that failed starts again from the beginning
        conn.close()
        if getattr(error, 'sqlite_errorname', '') in CORRUPT:
            log.error('the search index %s is damaged (%s); rebuilding it from the archive', self.path, error)
            self._discard()
            self._behind.discard(EVERYTHING)
            self._next_try = 0.0
            return self._reopen()
        # a full disk, say: the batch was rolled back; its sessions are read on from the archive once a write works
        self._problem(error)
        self._next_try = time.monotonic() + self.retry
        return None

    def _problem(self, error: Exception) -> None:
        problem = (f'The search index {self.path} cannot be written ({error}); searches may miss the latest output '
                   'until it can (it then catches up from the archive by itself).')
        if problem != self.problem:
            log.error(problem)
        self.problem = problem

    def _catch_up(self, conn: sqlite3.Connection, behind: set[str]) -> None:
        """Read the sessions behind on from the archive, each from its place in the index."""
        if EVERYTHING in behind:
            self._rebuild(conn)
            return
        sessions = (behind - {CHECK}) | (self._rows.unmatched(conn) if CHECK in behind else set())
        for session_id in sorted(sessions):
            self._rows.read_on(conn, session_id)
        if sessions:
            log.warning('the search index caught up %d session(s) from the archive', len(sessions))

    def _apply(self, conn: sqlite3.Connection, job: tuple[Any, ...]) -> None:
        kind, session_id = job[0], job[1]
        if kind == 'events':
            self._rows.events(conn, session_id, job[2], job[3])
        elif kind == 'prompts':
            self._rows.prompts(conn, session_id, job[2])
        elif kind == 'remove':
            self._rows.remove(conn, session_id)
        elif kind == 'reindex':
            self._rebuild(conn, job[2] if len(job) > 2 else None)

    def _rebuild(self, conn: sqlite3.Connection, progress: Progress | None = None) -> int:
        """Index every archived session again (each in its own transaction); returns the lines indexed."""
        ids = sorted(archived_ids(self.archive_folder))
        conn.commit()
        with conn:
            self._rows.remove_all(conn)
        self._rows.places.clear()
        total = 0
        for done, session_id in enumerate(ids, 1):
            self.rebuilding = (done - 1, len(ids))
            with conn:
                total += self._rows.reindex(conn, session_id)
                self._rows.save_places(conn)
            if progress is not None:
                progress(done, len(ids), total)
        self.rebuilding = None
        return total

    # -- opening, repair, rebuilding ------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn, fresh = connect(self.path, self.busy_timeout)
        self._fresh = self._fresh or fresh
        return conn

    def _open(self) -> sqlite3.Connection:
        """The index, opened; a damaged file is discarded and the index rebuilt from the archive."""
        self._fresh = False
        try:
            conn = self._connect()
        except sqlite3.DatabaseError as error:
            log.error('the search index %s is damaged (%s); rebuilding it from the archive', self.path, error)
            self._discard()
            conn = self._connect()
        if self._fresh:
            try:
                self._rebuild(conn)
            except sqlite3.DatabaseError:
                conn.close()
                raise
            self._behind.discard(CHECK)  # just built from the archive
        return conn

    def _discard(self) -> None:
        discard(self.path)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Rebuild the whole index from the archive now, in this thread (the `search reindex` command)."""
        self._fresh = False
        try:
            conn = self._connect()
        except sqlite3.DatabaseError:
            self._discard()
            conn = self._connect()
        try:
            return self._rebuild(conn, progress)
        finally:
            conn.close()

    # -- searching (blocking: call through `run_io`) ---------------------------------------------------------------

    def search(self, text: str, session_ids: Iterable[str], *, limit: int = 20, offset: int = 0) -> Results:
        """The best matches of `text` among these sessions (and no other), with their neighbouring lines (blocking:
        call through `run_io`)."""
        if not self.enabled:
            return Results([], 0, parse_query(text).words,
                           note='Search in transcripts is turned off here (AOD_UI_SEARCH).')
        try:
            results = search(self.path, text, session_ids, limit=limit, offset=offset)
        except Damaged:
            self._jobs.put(('reindex', ''))
            raise StorageError('The search index is damaged; it is being rebuilt from the archive. '
                               'Search again in a moment.') from None
        return replace(results, note=results.note or self._note())

    def lines_of(self, session_id: str) -> int:
        """How many output lines of a session are indexed (0 when none, or when the index cannot be read)."""
        return lines_of(self.path, session_id) if self.enabled else 0

    def _note(self) -> str | None:
        if self.rebuilding is not None:
            done, count = self.rebuilding
            return (f'The search index is being rebuilt from the archive ({done} of {count} sessions so far): '
                    'some matches may be missing.')
        return self.problem
