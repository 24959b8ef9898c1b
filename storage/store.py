"""The entry point: all repositories of one dashboard, from a data folder (`open_store`) or in memory
(`memory_store`)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ._files import ensure_private_folder
from ._tinydb import TinyDBFile
from .api_tokens import ApiTokens
from .audit import AuditLog, audit_table
from .kv import KeyValue
from .sessions import SessionRecords
from .tables import MemoryTable
from .users import Users

__all__ = ['AUDIT_FILE', 'SESSIONS_FILE', 'STATE_FILE', 'USERS_FILE', 'Store', 'memory_store', 'open_store']

# Each in its own file: a write rewrites only its own file, and the thousands of session records are not rewritten
# whenever a person logs in or a setting changes.
SESSIONS_FILE = 'sessions.db.json'
USERS_FILE = 'users.db.json'
STATE_FILE = 'state.db.json'
AUDIT_FILE = 'audit.db.jsonl'


@dataclass(frozen=True)
class Store:
    """The dashboard's own data: session records, people, the audit trail, and small settings and state."""

    sessions: SessionRecords
    users: Users
    audit: AuditLog
    kv: KeyValue
    api_tokens: ApiTokens = field(default_factory=lambda: ApiTokens(MemoryTable()))
    """Personal access tokens for the HTTP API (digests only), kept in the people's file."""
    data_dir: Path | None = None
    """The folder the files are in; None in memory."""
    _closers: tuple[Callable[[], None], ...] = field(default=(), repr=False)

    def close(self) -> None:
        """Release the files. Every write is on disk when it returns, so this only tidies up."""
        for close in self._closers:
            close()


def open_store(data_dir: Path) -> Store:
    """Open (creating where missing) the data files in `data_dir`, itself created with mode 0700 if missing.

    Files: `sessions.db.json`, `users.db.json`, `state.db.json` (TinyDB, written atomically) and `audit.db.jsonl`
    (appended, see `storage._jsonl`); each file is created with mode 0600.

    :raises StorageError: if the folder cannot be created, or a file is damaged, unreadable or written by a newer
        dashboard (the message names the file and what to do); no file is changed then
    """
    ensure_private_folder(data_dir)
    opened: list[TinyDBFile] = []
    try:
        for name in (SESSIONS_FILE, USERS_FILE, STATE_FILE):
            opened.append(TinyDBFile(data_dir / name))
        audit = AuditLog(audit_table(data_dir / AUDIT_FILE))
    except BaseException:
        for database in opened:
            with contextlib.suppress(Exception):
                database.close()
        raise
    sessions, users, state = opened
    return Store(sessions=SessionRecords(sessions.table('sessions')), users=Users(users.table('users')), audit=audit,
                 kv=KeyValue(state.table('kv')), api_tokens=ApiTokens(users.table('api_tokens')), data_dir=data_dir,
                 _closers=tuple(database.close for database in opened))


def memory_store() -> Store:
    """A store that keeps everything in memory and writes nothing: for unit tests and throwaway demos."""
    return Store(sessions=SessionRecords(MemoryTable()), users=Users(MemoryTable()), audit=AuditLog(MemoryTable()),
                 kv=KeyValue(MemoryTable()), api_tokens=ApiTokens(MemoryTable()))
