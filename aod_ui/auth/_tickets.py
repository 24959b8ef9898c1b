"""One-time passes that carry a password sign-in from the websocket to an HTTP request.

The password is checked over the page's websocket, where no cookie can be set. The check hands out a ticket bound
to the browser id that asked; the browser then opens `/auth/finish?ticket=…`, whose answer gives it a fresh id with
the person signed in. A ticket works once, within a minute, and only for the browser id it was made for.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

__all__ = ['SignInTickets']


class SignInTickets:
    """Tickets in memory, with an injected clock."""

    MAX = 10_000

    def __init__(self, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._tickets: dict[str, tuple[str, str, float]] = {}

    def issue(self, browser_id: str, username: str) -> str:
        now = self._clock()
        self._tickets = {k: v for k, v in self._tickets.items() if v[2] > now} \
            if len(self._tickets) >= self.MAX else self._tickets
        if len(self._tickets) >= self.MAX:
            self._tickets.pop(next(iter(self._tickets)))
        ticket = secrets.token_urlsafe(32)
        self._tickets[ticket] = (browser_id, username, now + self.ttl)
        return ticket

    def redeem(self, ticket: str, browser_id: str) -> str | None:
        """The username the ticket was issued for, if it is unused, unexpired and shown by the same browser."""
        entry = self._tickets.pop(ticket, None)
        if entry is None:
            return None
        owner, username, expires = entry
        if owner != browser_id or self._clock() > expires:
            return None
        return username
