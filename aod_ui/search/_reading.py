"""Reading the search index: the best matches among the sessions named, and nothing of any other session.

Every search opens its own read-only connection (the writer thread keeps the only writing one; WAL lets both go on
at once). The sessions a person may search are part of the SQL: rows of any other session are never matched,
counted or read for context.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import StorageError
from ._query import Query, parse_query

__all__ = ['COUNT_LIMIT', 'RANKED', 'Damaged', 'Hit', 'Results', 'lines_of', 'ranked', 'search']

COUNT_LIMIT = 1000
"""Matches are counted up to here ("1000+"): counting every match of a common word would cost a scan."""
RANKED = 5_000
"""Matches are ranked among the newest this many (a word in most lines would otherwise cost a score per line)."""
CORRUPT = frozenset({'SQLITE_CORRUPT', 'SQLITE_NOTADB'})
DF_LIMIT = 10_000
"""Lines of a phrase counted for its weight among several phrases."""
K1, B = 1.2, 0.75
"""BM25's usual term-frequency saturation and length normalisation."""


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

        def newest(expression: str) -> list[tuple[int, str]]:
            # ranked among the newest RANKED matches: FTS5 walks matches newest first and stops there, so a common
            # word costs a bounded amount instead of scoring millions of lines
            return conn.execute(f'SELECT fts.rowid, lines.text FROM fts JOIN lines ON lines.rowid = fts.rowid '
                                f'WHERE fts MATCH ? AND {scope} ORDER BY fts.rowid DESC LIMIT ?',
                                (expression, allowed, RANKED)).fetchall()
        # the last word whole first: widened to a prefix only when it is not found often enough (see `Query`)
        expression = query.exact
        candidates = newest(expression)
        if len(candidates) < COUNT_LIMIT:
            expression = query.expression
            candidates = newest(expression)
        total = min(len(candidates), COUNT_LIMIT)  # RANKED is more than COUNT_LIMIT: the count is the candidates'
        chosen = ranked(candidates, query.phrases,
                        _weights(conn, query, prefix=expression != query.exact))[offset:offset + limit]
        found = {row[0]: row[1:] for row in conn.execute(
            'SELECT lines.rowid, sessions.id, lines.sid, lines.line, lines.turn, lines.kind, lines.cursor, lines.text '
            'FROM lines JOIN sessions ON sessions.sid = lines.sid '
            'WHERE lines.rowid IN (SELECT value FROM json_each(?))',
            (json.dumps(chosen),))}
        hits = [Hit(session_id, line, turn, kind, cursor, text, *_neighbours(conn, sid, line))
                for session_id, sid, line, turn, kind, cursor, text in map(found.__getitem__, chosen)]
    except sqlite3.DatabaseError as error:
        if getattr(error, 'sqlite_errorname', '') in CORRUPT or 'no such table' in str(error):
            raise Damaged(str(error)) from None
        raise StorageError(f'The search index cannot be read ({error}).') from None
    finally:
        conn.close()
    return Results(hits, total, query.words)


def ranked(candidates: list[tuple[int, str]], phrases: tuple[tuple[str, ...], ...], weights: list[float]
           ) -> list[int]:
    """The candidates' rowids, best first (newest first among equals): BM25 over the phrases, each weighted by how
    rare it is (`weights`), its frequency in a line read as how often its first word occurs there, and lines
    compared with the candidates' mean length.

    FTS5's own `bm25()` is not used: it counts every line holding each phrase, in the whole index, at every search,
    which for a word in millions of lines costs more than the search itself."""
    if not candidates:
        return []
    keys = [words[0].lower() for words in phrases]
    mean = sum(len(text) for _, text in candidates) / len(candidates) or 1.0
    scored = []
    for rowid, text in candidates:
        lower = text.lower()
        norm = K1 * (1 - B + B * len(text) / mean)
        score = 0.0
        for key, weight in zip(keys, weights, strict=True):
            tf = lower.count(key) or 1  # it matched: the tokenizer saw the word where `count` does not (accents)
            score += weight * tf * (K1 + 1) / (tf + norm)
        scored.append((-score, -rowid))
    scored.sort()
    return [-rowid for _, rowid in scored]


def _weights(conn: sqlite3.Connection, query: Query, *, prefix: bool) -> list[float]:
    """Each phrase's inverse document frequency, its lines counted up to `DF_LIMIT` (beyond that a phrase is common
    and weighs the least), the last one as a prefix if the search took it so. One phrase needs none: its weight
    orders nothing."""
    if len(query.phrases) < 2:
        return [1.0]
    lines = conn.execute('SELECT coalesce(max(rowid), 0) FROM lines').fetchone()[0]
    weights = []
    for number, words in enumerate(query.phrases):
        phrase = '"' + ' '.join(words) + '"' + ('*' if prefix and number == len(query.phrases) - 1 else '')
        found = conn.execute('SELECT count(*) FROM (SELECT 1 FROM fts WHERE fts MATCH ? LIMIT ?)',
                             (phrase, DF_LIMIT)).fetchone()[0]
        weights.append(math.log(1 + (max(lines, found) - found + 0.5) / (found + 0.5)))
    return weights


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
