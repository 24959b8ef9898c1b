"""The sessions list's filters, shared by the list page and the HTTP API: what "Mine", "Team" and "All" mean, and
the person, status, agent, search, creation date and order; and how a filter reads as the list's address, so a
shared link opens the same view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from ..status import STATUSES
from ._sessions import SessionRow

__all__ = ['LIST_SCOPES', 'LIST_SORTS', 'ListFilter', 'filter_rows', 'in_scope', 'parse_day']

LIST_SCOPES = {'mine': 'Mine', 'team': 'Team', 'all': 'All'}
"""The list's scopes and their names (`all` for admins only, see `in_scope`)."""
LIST_SORTS = {'newest': 'Newest first', 'oldest': 'Oldest first', 'activity': 'Latest activity',
              'longest': 'Longest running'}
"""The list's orders and their names; `newest` (by creation) is the default."""
_EPOCH = datetime.fromtimestamp(0, tz=UTC)


def filter_rows(rows: list[SessionRow], status: str, agent: str, query: str, username: str = '') -> list[SessionRow]:
    """The rows matching a status, an agent name and a case-insensitive search over prompt, agent, id and labels.
    In someone else's private session the search reads only what the list shows of its prompt (the first line)."""
    query = query.strip().lower()
    return [r for r in rows
            if (not status or r.status == status)
            and (not agent or r.agent_name == agent)
            and (not query or query in _searchable_prompt(r, username).lower() or query in r.agent_name.lower()
                 or query in r.id or any(query in label.lower() for label in r.labels))]


def _searchable_prompt(row: SessionRow, username: str) -> str:
    return row.prompt if row.visibility == 'team' or row.owner == username else row.title


def in_scope(rows: list[SessionRow], scope: str, username: str) -> list[SessionRow]:
    """Mine: started by (or handed to) this person; Team: everything the dashboard recorded that they may see;
    All (admins): also sessions started outside the dashboard and others' private ones."""
    if scope == 'mine':
        return [r for r in rows if r.owner == username]
    if scope == 'team':
        return [r for r in rows if r.recorded and (r.visibility == 'team' or r.owner == username)]
    return rows


@dataclass
class ListFilter:
    """What the list page is narrowed to, as the person set it. Both take the rows the person may see (from
    `SessionService.list`)."""

    username: str
    scope: str = 'team'
    person: str = ''
    status: str = ''
    agent: str = ''
    query: str = ''
    created_from: date | None = None
    """The first day (the dashboard's local time, as the list shows times) of the sessions created."""
    created_to: date | None = None
    """The last day, included."""
    sort: str = 'newest'

    def chosen(self, rows: list[SessionRow]) -> list[SessionRow]:
        """The rows in scope, started by the person chosen (if one is) and created within the days chosen."""
        return [r for r in in_scope(rows, self.scope, self.username)
                if (not self.person or r.owner == self.person) and self._in_days(r)]

    def _in_days(self, row: SessionRow) -> bool:
        if self.created_from is None and self.created_to is None:
            return True
        if row.created_at is None:
            return False
        day = row.created_at.astimezone().date()
        return (self.created_from is None or day >= self.created_from) and \
            (self.created_to is None or day <= self.created_to)

    def listed(self, rows: list[SessionRow]) -> list[SessionRow]:
        """The chosen rows of the status and agent chosen, whatever the search (where a transcript search looks)."""
        return filter_rows(self.chosen(rows), self.status, self.agent, '')

    def apply(self, rows: list[SessionRow]) -> list[SessionRow]:
        """The chosen rows that match the status, agent and search, in the order chosen."""
        return self.ordered(filter_rows(self.chosen(rows), self.status, self.agent, self.query, self.username))

    def ordered(self, rows: list[SessionRow]) -> list[SessionRow]:
        """`rows` (newest first, as the service lists them) in the order chosen; ties keep that order."""
        if self.sort == 'oldest':
            return sorted(rows, key=lambda r: r.created_at or _EPOCH)
        if self.sort == 'activity':
            return sorted(rows, key=lambda r: r.last_activity_at or _EPOCH, reverse=True)
        if self.sort == 'longest':
            return sorted(rows, key=lambda r: r.duration_seconds or 0.0, reverse=True)
        return rows

    # -- the list's address -------------------------------------------------------------------------------------

    @classmethod
    def from_query(cls, username: str, query: Mapping[str, str], scopes: Mapping[str, str],
                   default_scope: str) -> ListFilter:
        """The filter a list address asks for (`scope`, `person`, `status`, `agent`, `q`, `from`, `to`, `sort`):
        anything unknown or not allowed (a scope not in `scopes`) falls back to its default."""
        scope = query.get('scope', '')
        return cls(username, scope=scope if scope in scopes else default_scope, person=query.get('person', ''),
                   status=query.get('status', '') if query.get('status', '') in STATUSES else '',
                   agent=query.get('agent', ''), query=query.get('q', ''),
                   created_from=parse_day(query.get('from', '')), created_to=parse_day(query.get('to', '')),
                   sort=query.get('sort', '') if query.get('sort', '') in LIST_SORTS else 'newest')

    def to_query(self, page: int = 1) -> str:
        """The query string of the list's address for this filter and `page`. The scope is always named: people
        of different roles have different default scopes, and a shared link must open the same view."""
        params = {'scope': self.scope, 'person': self.person, 'status': self.status, 'agent': self.agent,
                  'q': self.query, 'from': self.created_from.isoformat() if self.created_from else '',
                  'to': self.created_to.isoformat() if self.created_to else '',
                  'sort': self.sort if self.sort != 'newest' else '', 'page': str(page) if page > 1 else ''}
        return urlencode({k: v for k, v in params.items() if v})

    @property
    def narrowed(self) -> bool:
        """Anything besides the scope and the order is chosen."""
        return bool(self.person or self.status or self.agent or self.query or self.created_from or self.created_to)


def parse_day(text: str) -> date | None:
    """A day written `YYYY-MM-DD` (as addresses and date inputs give it); None when empty or unreadable."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
