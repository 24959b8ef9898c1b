"""Which of the sessions a person may see the list shows: by scope, person, status, agent and a search."""

from __future__ import annotations

from dataclasses import dataclass

from ._sessions import SessionRow

__all__ = ['SCOPES', 'ListFilter']

SCOPES = {'mine': 'Mine', 'team': 'Team', 'all': 'All'}
"""Mine: started by (or handed to) the person; Team: everything the dashboard recorded that they may see; All
(admins): also sessions started outside the dashboard and others' private ones."""


@dataclass
class ListFilter:
    """What the list is narrowed to. `apply` takes the rows the person may see (from `SessionService.list`)."""

    username: str
    scope: str = 'team'
    person: str = ''
    status: str = ''
    agent: str = ''
    query: str = ''

    def in_scope(self, rows: list[SessionRow]) -> list[SessionRow]:
        if self.scope == 'mine':
            return [r for r in rows if r.owner == self.username]
        if self.scope == 'team':
            return [r for r in rows if r.recorded and (r.visibility == 'team' or r.owner == self.username)]
        return rows

    def chosen(self, rows: list[SessionRow]) -> list[SessionRow]:
        """The rows in scope, started by the person chosen (if one is)."""
        return [r for r in self.in_scope(rows) if not self.person or r.owner == self.person]

    def apply(self, rows: list[SessionRow]) -> list[SessionRow]:
        """The rows in scope matching the person, status and agent chosen and a case-insensitive search over prompt,
        agent, id and labels. In someone else's private session the search reads only what the list shows of its
        prompt (the first line)."""
        query = self.query.strip().lower()
        return [r for r in self.chosen(rows)
                if (not self.status or r.status == self.status)
                and (not self.agent or r.agent_name == self.agent)
                and (not query or query in self._searchable_prompt(r).lower() or query in r.agent_name.lower()
                     or query in r.id or any(query in label.lower() for label in r.labels))]

    def _searchable_prompt(self, row: SessionRow) -> str:
        return row.prompt if row.visibility == 'team' or row.owner == self.username else row.title
