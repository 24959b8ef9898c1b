"""Reading the search index: the best matches among the sessions named, and nothing of any other session.

Every search opens its own read-only connection (the writer thread keeps the only writing one; WAL lets both go on
at once). The sessions a person may search are part of the SQL: rows of any other session are never matched,
counted or read for context.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import StorageError
from ._query import parse_query

__all__ = ['COUNT_LIMIT', 'RANKED', 'Damaged', 'Hit', 'Results', 'lines_of', 'search']

COUNT_LIMIT = 1000
"""Matches are counted up to here ("1000+"): counting every match of a common word would cost a scan."""
RANKED = 5_000
"""Matches are ranked among the newest this many (a word in most lines would otherwise cost a score per line)."""
CORRUPT = frozenset({'SQLITE_CORRUPT', 'SQLITE_NOTADB'})


class Damaged(Exception):
    """The index file is damaged (it is then rebuilt from the archive)."""


@dataclass(frozen=True)
class Hit:
    """One matching line: where it is and its neighbours, for showing it in context."""

    session_id: str
    line: int
    """The line's position in the session's output (0-based; -1 for a turn's prompt)."""
    turn: int | None
    kind: str
    cursor: int | None
    """The stream id of the event that completed the line (pages find its place in the transcript by it)."""
    text: str
    before: str = ''
    after: str = ''


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    total: int
    """Matches among the sessions searched, counted up to `COUNT_LIMIT`."""
    words: tuple[str, ...] = ()
    note: str | None = None
    """Said beside the results: the index is still being built, so some matches may be missing."""

    @property
    def more(self) -> bool:
        return self.total >= COUNT_LIMIT


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f'file:{path}?mode=ro', uri=True)
    conn.execute('PRAGMA busy_timeout=5000')
    return conn


def search(path: Path, text: str, session_ids: Iterable[str], *, limit: int = 20, offset: int = 0) -> Results:
    """The best matches of `text` among these sessions (and no other), with their neighbouring lines."""
    query = parse_query(text)
    if not query:
        return Results([], 0)
    allowed = json.dumps(sorted(set(session_ids)))
    try:
        conn = _connect(path)
    except sqlite3.DatabaseError:
        return Results([], 0, query.words, note='The search index is being built: some matches may be missing.')
    try:
        scope = 'lines.sid IN (SELECT sid FROM sessions WHERE id IN (SELECT value FROM json_each(?)))'
        total = conn.execute(f'SELECT count(*) FROM (SELECT 1 FROM fts JOIN lines ON lines.rowid = fts.rowid '
                             f'WHERE fts MATCH ? AND {scope} LIMIT ?)',
                             (query.expression, allowed, COUNT_LIMIT)).fetchone()[0]
        # ranked among the newest RANKED matches: FTS5 walks matches newest first and stops there, so a common
        # word costs a bounded amount instead of scoring millions of lines
        rows = conn.execute(f'SELECT sessions.id, lines.sid, lines.line, lines.turn, lines.kind, lines.cursor, '
                            f'lines.text FROM (SELECT fts.rowid AS id, bm25(fts) AS score FROM fts JOIN lines '
                            f'ON lines.rowid = fts.rowid WHERE fts MATCH ? AND {scope} ORDER BY fts.rowid DESC '
                            f'LIMIT ?) AS found JOIN lines ON lines.rowid = found.id JOIN sessions '
                            f'ON sessions.sid = lines.sid ORDER BY found.score, found.id DESC LIMIT ? OFFSET ?',
                            (query.expression, allowed, RANKED, limit, offset)).fetchall()
        hits = [Hit(session_id, line, turn, kind, cursor, text, *_neighbours(conn, sid, line))
                for session_id, sid, line, turn, kind, cursor, text in rows]
    except sqlite3.DatabaseError as error:
        if getattr(error, 'sqlite_errorname', '') in CORRUPT or 'no such table' in str(error):
            raise Damaged(str(error)) from None
        raise StorageError(f'The search index cannot be read ({error}).') from None
    finally:
        conn.close()
    return Results(hits, total, query.words)


def lines_of(path: Path, session_id: str) -> int:
    """How many output lines of a session are indexed (0 when none, or when the index cannot be read)."""
    try:
        conn = _connect(path)
        try:
            row = conn.execute('SELECT lines FROM sessions WHERE id = ?', (session_id,)).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return 0
    return int(row[0]) if row else 0


def _neighbours(conn: sqlite3.Connection, sid: int, line: int) -> tuple[str, str]:
    if line < 0:
        return '', ''
    found = dict(conn.execute('SELECT line, text FROM lines WHERE sid = ? AND line IN (?, ?)',
                              (sid, line - 1, line + 1)).fetchall())
    return found.get(line - 1, ''), found.get(line + 1, '')
