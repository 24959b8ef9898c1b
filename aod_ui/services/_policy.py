"""Who may see and do what. Every action asks these functions on the server at the moment it happens; pages use
them only to decide which buttons to show.

- admin: everything, every session, including sessions started outside the dashboard.
- member: starts sessions; acts (follow up, stop, delete, pin) on their own; watches the team's.
- viewer: watches the team's sessions; acts on nothing.
A session's visibility is `team` (every logged-in person may watch it) or `private` (its owner and admins).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ['ROLES', 'Actor', 'OwnedRecord', 'can_act', 'can_launch', 'can_view', 'is_admin']

ROLES = ('admin', 'member', 'viewer')


@dataclass(frozen=True)
class Actor:
    """The person behind a request, as the server knows them right now."""

    username: str
    role: str
    display_name: str = ''
    via: str = ''
    """How the person acts when not through a page: for the HTTP API, which of their tokens (by name and prefix).
    The audit trail records it."""

    @property
    def label(self) -> str:
        return self.display_name or self.username


class OwnedRecord(Protocol):
    @property
    def owner(self) -> str: ...

    @property
    def visibility(self) -> str: ...


def is_admin(actor: Actor) -> bool:
    return actor.role == 'admin'


def can_launch(actor: Actor) -> bool:
    return actor.role in {'admin', 'member'}


def can_view(actor: Actor, record: OwnedRecord | None) -> bool:
    """`record` is None for a session AoD knows but the dashboard did not start: admins only."""
    if is_admin(actor):
        return True
    if record is None:
        return False
    return record.visibility == 'team' or record.owner == actor.username


def can_act(actor: Actor, record: OwnedRecord | None) -> bool:
    """Follow up, stop, delete, pin: the owner (unless a viewer) or an admin."""
    if is_admin(actor):
        return True
    if record is None or actor.role == 'viewer':
        return False
    return record.owner == actor.username
