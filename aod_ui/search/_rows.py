"""What the search index holds of each session, as its writer thread writes it (blocking, inside the writer's
transactions): the rows (one per readable output line, and the session's prompts) and the session's place (events
indexed, lines, the unfinished line), stored with its rows so that a restart resumes from it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..archive import SessionFiles, valid_id
from ..transcript import LineDemux, readable_line
from ._archived import unmatched

__all__ = ['Place', 'Rows']

log = logging.getLogger(__name__)
TEXT_LIMIT = 4000
"""Characters of one line kept for searching and showing (the archive keeps the line whole)."""


@dataclass
class Place:
    sid: int
    events: int = 0
    lines: int = 0
    demux: LineDemux = field(default_factory=LineDemux)
    dirty: bool = False


class Rows:
    """The index's rows of the archive's sessions, with the places of the sessions in use kept between batches."""

    def __init__(self, archive_folder: Path) -> None:
        self.archive_folder = archive_folder
        self.places: dict[str, Place] = {}

    def events(self, conn: sqlite3.Connection, session_id: str, first: int, lines: list[str]) -> None:
        """Index archive lines of a session; `first` is the number of events archived before them."""
        place = self.place(conn, session_id)
        if first > place.events:  # a gap (a crash between the archive's write and the index's): read it again
            self.reindex(conn, session_id)
            return
        skip = place.events - first
        self.feed(conn, place, (json.loads(line)['e'] for line in lines[skip:]))

    def prompts(self, conn: sqlite3.Connection, session_id: str, prompts: dict[str, str]) -> None:
        place = self.place(conn, session_id)
        conn.execute('DELETE FROM lines WHERE sid = ? AND line = -1', (place.sid,))
        rows = [(place.sid, -1, int(turn), 'prompt', None, str(text)[:TEXT_LIMIT])
                for turn, text in prompts.items() if str(turn).isdigit() and str(text).strip()]
        self.insert(conn, rows)

    def unmatched(self, conn: sqlite3.Connection) -> set[str]:
        """Sessions whose place in the index is not the end of their archive (or that are no longer archived)."""
        return unmatched(dict(conn.execute('SELECT id, events FROM sessions').fetchall()), self.archive_folder)

    def read_on(self, conn: sqlite3.Connection, session_id: str) -> None:
        """Index what the archive holds of a session after its place in the index (all of it when new)."""
        files = SessionFiles(self.archive_folder, session_id) if valid_id(session_id) else None
        if files is None or not (files.log.exists() or files.packed.exists()):
            self.remove(conn, session_id)  # removed from the archive: the index forgets it too
            return
        try:
            events = list(files.events())
            meta = files.read_meta() or {}
        except (OSError, ValueError) as error:
            log.warning('session %s cannot be indexed from its archive (%s)', session_id, error)
            return
        place = self.place(conn, session_id)
        if place.events > len(events):  # the archive cut a torn line the index had: index it afresh
            self.remove(conn, session_id)
            place = self.place(conn, session_id)
        self.feed(conn, place, events[place.events:])
        prompts = (meta.get('info') or {}).get('prompts')
        if isinstance(prompts, dict):
            self.prompts(conn, session_id, prompts)

    def place(self, conn: sqlite3.Connection, session_id: str) -> Place:
        place = self.places.get(session_id)
        if place is None:
            row = conn.execute('SELECT sid, events, lines, state FROM sessions WHERE id = ?', (session_id,)).fetchone()
            if row is None:
                sid = conn.execute('INSERT INTO sessions(id, events, lines, state) VALUES (?, 0, 0, ?)',
                                   (session_id, '{}')).lastrowid
                place = Place(sid=int(sid or 0))
            else:
                place = Place(sid=row[0], events=row[1], lines=row[2], demux=LineDemux.restored(json.loads(row[3])))
            self.places[session_id] = place
        return place

    def feed(self, conn: sqlite3.Connection, place: Place, events: Iterable[Any]) -> None:
        rows: list[tuple[Any, ...]] = []
        for payload in events:
            place.events += 1
            if not isinstance(payload, dict):
                continue
            cursor = payload.get('id') if isinstance(payload.get('id'), int) else None
            for turn, stream, text in place.demux.push(payload):
                kind, readable = readable_line(text[:TEXT_LIMIT * 4], stream)
                if readable.strip():
                    rows.append((place.sid, place.lines, turn, kind, cursor, readable[:TEXT_LIMIT]))
                place.lines += 1
        place.dirty = True
        self.insert(conn, rows)

    @staticmethod
    def insert(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        last = conn.execute('SELECT coalesce(max(rowid), 0) FROM lines').fetchone()[0]
        conn.executemany('INSERT INTO lines(sid, line, turn, kind, cursor, text) VALUES (?, ?, ?, ?, ?, ?)', rows)
        conn.execute('INSERT INTO fts(rowid, text) SELECT rowid, text FROM lines WHERE rowid > ?', (last,))

    def save_places(self, conn: sqlite3.Connection) -> None:
        dirty = [(p.events, p.lines, json.dumps(p.demux.saved()), p.sid) for p in self.places.values() if p.dirty]
        conn.executemany('UPDATE sessions SET events = ?, lines = ?, state = ? WHERE sid = ?', dirty)
        for place in self.places.values():
            place.dirty = False
        if len(self.places) > 2000:  # places are cheap to read again; finished sessions need none
            self.places.clear()

    def remove(self, conn: sqlite3.Connection, session_id: str) -> None:
        self.places.pop(session_id, None)
        row = conn.execute('SELECT sid FROM sessions WHERE id = ?', (session_id,)).fetchone()
        if row is None:
            return
        conn.execute("INSERT INTO fts(fts, rowid, text) SELECT 'delete', rowid, text FROM lines WHERE sid = ?", row)
        conn.execute('DELETE FROM lines WHERE sid = ?', row)
        conn.execute('DELETE FROM sessions WHERE sid = ?', row)

    def remove_all(self, conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO fts(fts) VALUES ('delete-all')")
        conn.execute('DELETE FROM lines')
        conn.execute('DELETE FROM sessions')

    def reindex(self, conn: sqlite3.Connection, session_id: str) -> int:
        """Index one session again from its archive; returns its lines."""
        self.remove(conn, session_id)
        self.read_on(conn, session_id)
        place = self.places.get(session_id)
        return place.lines if place is not None else 0
