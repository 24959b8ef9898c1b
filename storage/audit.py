"""The audit trail: who did what to which session, and whether it was allowed. Entries are only ever appended.

`AuditLog` is the repository, written once over an `AppendOnlyTable`: a `MemoryTable` for unit tests and
`memory_store()`, and on disk the JSON-lines table `audit_table(path)` opens (one line per entry, appended, see
`storage._jsonl`). The table is the record; the repository reads it once, when opened, into a list of `AuditEntry`s
that every query walks (entries are small and frozen, and their actors and actions are interned), so a query never
reads the file. Times are seconds since the epoch (UTC).
"""

from __future__ import annotations

import csv
import io
import json
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

from ._jsonl import JsonlTable
from .tables import AppendOnlyTable

__all__ = ['AUDIT_SCHEMA', 'CSV_COLUMNS', 'AuditEntry', 'AuditLog', 'Outcome', 'audit_table']

Outcome = Literal['ok', 'denied', 'error']
"""'ok': done; 'denied': the person was not allowed; 'error': allowed, but it failed."""

_OUTCOMES: tuple[str, ...] = get_args(Outcome)
AUDIT_SCHEMA = 1
"""The layout of the audit file's lines; a file with a higher number is refused."""
CSV_COLUMNS = ('id', 'time_utc', 'at', 'actor', 'action', 'outcome', 'session_id', 'target', 'detail')
_FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One thing that happened. Entries never change once appended, so they are frozen."""

    id: int
    """Increases by one with each entry appended, across restarts."""
    at: float
    actor: str
    """The username who acted, or 'system'."""
    action: str
    """What was done, for example 'session.launch' or 'user.role'."""
    session_id: str | None = None
    target: str | None = None
    """What else it was done to, for example a username."""
    outcome: Outcome = 'ok'
    detail: str = ''

    def to_dict(self) -> dict[str, Any]:
        """The entry as a plain JSON object."""
        return {'id': self.id, 'at': self.at, 'actor': self.actor, 'action': self.action,
                'session_id': self.session_id, 'target': self.target, 'outcome': self.outcome, 'detail': self.detail}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEntry:
        """Build an entry from `to_dict`'s shape.

        :raises KeyError, TypeError, ValueError: if `data` is not an entry
        """
        outcome = data.get('outcome', 'ok')
        if outcome not in _OUTCOMES:
            raise ValueError(f'unknown outcome {outcome!r}')
        # A long log repeats a few actors and actions many times; interning stores each of them once.
        return cls(id=int(data['id']), at=float(data['at']), actor=sys.intern(str(data['actor'])),
                   action=sys.intern(str(data['action'])), session_id=_optional_text(data.get('session_id')),
                   target=_optional_text(data.get('target')), outcome=outcome, detail=str(data.get('detail', '')))


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(slots=True)
class _Filter:
    actor: str | None = None
    action: str | None = None
    session_id: str | None = None
    outcome: str | None = None
    since: float | None = None
    until: float | None = None
    text: str | None = None
    needle: str = field(init=False)

    def __post_init__(self) -> None:
        self.needle = (self.text or '').casefold()

    def is_empty(self) -> bool:
        return not self.needle and all(value is None for value in (self.actor, self.action, self.session_id,
                                                                 self.outcome, self.since, self.until))

    def matches(self, entry: AuditEntry) -> bool:
        if self.actor is not None and entry.actor != self.actor:
            return False
        if self.action is not None and entry.action != self.action:
            return False
        if self.session_id is not None and entry.session_id != self.session_id:
            return False
        if self.outcome is not None and entry.outcome != self.outcome:
            return False
        if self.since is not None and entry.at < self.since:
            return False
        if self.until is not None and entry.at >= self.until:
            return False
        if self.needle:
            # One casefold of the joined fields is several times faster than one per field; the separator keeps a
            # match from spanning two fields.
            haystack = '\x00'.join((entry.actor, entry.action, entry.session_id or '', entry.target or '',
                                    entry.detail))
            return self.needle in haystack.casefold()
        return True


def audit_table(path: Path) -> JsonlTable:
    """The audit trail's file: JSON lines under the header `{"_meta": {"schema": 1, "kind": "aod-ui audit log"}}`,
    each line an entry (`AuditEntry.to_dict`) keyed by its id.

    :raises StorageError: if the file is damaged, unreadable, or written by a newer dashboard
    """
    return JsonlTable(path, key='id', kind='audit log', schema=AUDIT_SCHEMA, item='an audit entry',
                      check=AuditEntry.from_dict)


class AuditLog:
    """The append-only audit trail over `table` (entries are keyed by their id).

    Every reading method takes the same filters, all optional and combined with "and": `actor`, `action`,
    `session_id` and `outcome` match exactly; `since` (inclusive) and `until` (exclusive) bound `at`; `text` finds
    entries whose actor, action, session id, target or detail contains it, ignoring case.
    """

    def __init__(self, table: AppendOnlyTable) -> None:
        self._table = table
        self._lock = threading.RLock()
        self._entries = [AuditEntry.from_dict(document) for document in table.all()]
        self._next_id = 1 + max((entry.id for entry in self._entries), default=0)

    def append(self, actor: str, action: str, *, outcome: Outcome = 'ok', session_id: str | None = None,
               target: str | None = None, detail: str = '', at: float | None = None) -> AuditEntry:
        """Record that `actor` did `action`; return the entry once it is stored (durably, for a file).

        :param at: when it happened; by default now
        :raises ValueError: for an empty actor or action, or an unknown outcome
        :raises StorageError: if the file cannot be written (nothing is recorded then)
        """
        if not isinstance(actor, str) or not actor or not isinstance(action, str) or not action:
            raise ValueError('an audit entry needs an actor and an action')
        if outcome not in _OUTCOMES:
            raise ValueError(f'outcome must be one of {_OUTCOMES}, not {outcome!r}')
        with self._lock:
            entry = AuditEntry(id=self._next_id, at=time.time() if at is None else float(at), actor=sys.intern(actor),
                               action=sys.intern(action), session_id=_optional_text(session_id),
                               target=_optional_text(target), outcome=outcome, detail=str(detail))
            if not self._table.insert(str(entry.id), entry.to_dict()):
                raise ValueError(f'the audit trail already has an entry {entry.id}')
            self._entries.append(entry)
            self._next_id += 1
        return entry

    def query(self, *, actor: str | None = None, action: str | None = None, session_id: str | None = None,
              outcome: Outcome | None = None, since: float | None = None, until: float | None = None,
              text: str | None = None, limit: int | None = 500, offset: int = 0) -> list[AuditEntry]:
        """The matching entries, newest first: `limit` of them (None: all) after skipping `offset`."""
        if offset < 0 or (limit is not None and limit < 0):
            raise ValueError('limit and offset cannot be negative')
        criteria = _Filter(actor, action, session_id, outcome, since, until, text)
        if criteria.is_empty():  # the audit page's first view: no need to look at every entry
            with self._lock:
                end = len(self._entries) - offset
                start = 0 if limit is None else max(0, end - limit)
                return self._entries[start:max(0, end)][::-1]
        found: list[AuditEntry] = []
        if limit == 0:
            return found
        skipped = 0
        for entry in self._matching(criteria):
            if skipped < offset:
                skipped += 1
                continue
            found.append(entry)
            if limit is not None and len(found) >= limit:
                break
        return found

    def count(self, *, actor: str | None = None, action: str | None = None, session_id: str | None = None,
              outcome: Outcome | None = None, since: float | None = None, until: float | None = None,
              text: str | None = None) -> int:
        """How many entries match."""
        criteria = _Filter(actor, action, session_id, outcome, since, until, text)
        if criteria.is_empty():
            with self._lock:
                return len(self._entries)
        return sum(1 for _ in self._matching(criteria))

    def _matching(self, criteria: _Filter) -> Iterator[AuditEntry]:
        with self._lock:
            entries = self._entries[:]  # entries are immutable; a snapshot of the list is enough
        for entry in reversed(entries):
            if criteria.matches(entry):
                yield entry

    def export_csv(self, *, actor: str | None = None, action: str | None = None, session_id: str | None = None,
                   outcome: Outcome | None = None, since: float | None = None, until: float | None = None,
                   text: str | None = None, limit: int | None = None) -> str:
        """The matching entries (the newest `limit`, None: all) as CSV, oldest first, with a header row.

        Columns: `CSV_COLUMNS`. A text cell starting with =, +, -, @ or a tab is prefixed with ' so that a
        spreadsheet shows it instead of running it as a formula.
        """
        entries = self.query(actor=actor, action=action, session_id=session_id, outcome=outcome, since=since,
                             until=until, text=text, limit=limit)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for entry in reversed(entries):
            time_utc = datetime.fromtimestamp(entry.at, UTC).isoformat(timespec='milliseconds')
            writer.writerow([entry.id, time_utc.replace('+00:00', 'Z'), repr(entry.at),
                             *(_cell(value) for value in (entry.actor, entry.action, entry.outcome,
                                                          entry.session_id or '', entry.target or '', entry.detail))])
        return buffer.getvalue()

    def export_jsonl(self, *, actor: str | None = None, action: str | None = None, session_id: str | None = None,
                     outcome: Outcome | None = None, since: float | None = None, until: float | None = None,
                     text: str | None = None, limit: int | None = None) -> str:
        """The matching entries (the newest `limit`, None: all) as JSON lines (`AuditEntry.to_dict`), oldest first."""
        entries = self.query(actor=actor, action=action, session_id=session_id, outcome=outcome, since=since,
                             until=until, text=text, limit=limit)
        return ''.join(json.dumps(entry.to_dict(), ensure_ascii=False) + '\n' for entry in reversed(entries))


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value
