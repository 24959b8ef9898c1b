"""The sessions list's filters, shared by the list page and the HTTP API: what "Mine", "Team" and "All" mean, and
the person, status, agent and search filters."""

from __future__ import annotations

from dataclasses import dataclass

from ._sessions import SessionRow

__all__ = ['LIST_SCOPES', 'ListFilter', 'filter_rows', 'in_scope']

LIST_SCOPES = {'mine': 'Mine', 'team': 'Team', 'all': 'All'}
"""The list's scopes and their names (`all` for admins only, see `in_scope`)."""


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

    def chosen(self, rows: list[SessionRow]) -> list[SessionRow]:
        """The rows in scope, started by the person chosen (if one is)."""
        return [r for r in in_scope(rows, self.scope, self.username) if not self.person or r.owner == self.person]

    def listed(self, rows: list[SessionRow]) -> list[SessionRow]:
        """The chosen rows of the status and agent chosen, whatever the search (where a transcript search looks)."""
        return filter_rows(self.chosen(rows), self.status, self.agent, '')

    def apply(self, rows: list[SessionRow]) -> list[SessionRow]:
        """The chosen rows that match the status, agent and search."""
        return filter_rows(self.chosen(rows), self.status, self.agent, self.query, self.username)
