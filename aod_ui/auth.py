"""Who is behind the current request.

Until people log in, every request acts as one local administrator; logins replace `current_actor` with the
person from the signed session cookie, looked up again on every call so a change of role takes effect at once.
"""

from __future__ import annotations

from .services import Actor
from .system import System

__all__ = ['LOCAL_ACTOR', 'current_actor']

LOCAL_ACTOR = Actor(username='local', role='admin', display_name='You')


def current_actor(system: System) -> Actor:  # noqa: ARG001 - the system will hold the people store
    return LOCAL_ACTOR
