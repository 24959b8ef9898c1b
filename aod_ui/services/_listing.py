"""The sessions list's filters, shared by the list page and the HTTP API: what "Mine", "Team" and "All" mean, and
the status, agent and search filters."""

from __future__ import annotations

from ._sessions import SessionRow

__all__ = ['filter_rows', 'in_scope']


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
