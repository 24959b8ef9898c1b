"""The index file: its tables, and opening it (a new or older-schema file is made afresh, to be rebuilt)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

__all__ = ['SCHEMA', 'connect', 'discard']

SCHEMA = 1
TABLES = f'''
    DROP TABLE IF EXISTS fts; DROP TABLE IF EXISTS lines; DROP TABLE IF EXISTS sessions;
    CREATE TABLE sessions(sid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, events INTEGER NOT NULL,
                          lines INTEGER NOT NULL, state TEXT NOT NULL);
    CREATE TABLE lines(rowid INTEGER PRIMARY KEY, sid INTEGER NOT NULL, line INTEGER NOT NULL,
                       turn INTEGER, kind TEXT NOT NULL, cursor INTEGER, text TEXT NOT NULL);
    CREATE INDEX lines_at ON lines(sid, line);
    CREATE VIRTUAL TABLE fts USING fts5(text, content='lines', content_rowid='rowid',
                                        tokenize='unicode61 remove_diacritics 2');
    PRAGMA user_version = {SCHEMA};'''


def connect(path: Path, busy_timeout: float) -> tuple[sqlite3.Connection, bool]:
    """The index's writing connection, and whether its tables were just made (so it is to be built). Raises
    `sqlite3.DatabaseError` for a damaged file, or one that cannot be opened now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False)  # `with conn:` is one transaction
    try:
        with contextlib.suppress(OSError):
            path.chmod(0o600)
        conn.execute('PRAGMA journal_mode=WAL')
        conn.execute('PRAGMA synchronous=NORMAL')
        conn.execute(f'PRAGMA busy_timeout={int(busy_timeout * 1000)}')
        fresh = conn.execute('PRAGMA user_version').fetchone()[0] != SCHEMA
        if fresh:
            conn.executescript(TABLES)
        conn.execute('SELECT count(*) FROM sessions').fetchone()
    except sqlite3.DatabaseError:
        conn.close()
        raise
    return conn, fresh


def discard(path: Path) -> None:
    """Delete the index file and its journal."""
    for suffix in ('', '-wal', '-shm'):
        with contextlib.suppress(FileNotFoundError):
            Path(f'{path}{suffix}').unlink()
