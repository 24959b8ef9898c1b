"""Knowing when a session is done: session events, who hears of them, and the team's webhooks.

`scan()` compares AoD's session list (the shared, cached read) with the last one it saw: a recorded session seen
active for the first time was `launched`; one that was active and now is `completed`, `failed` or `terminated`
`finished`, `failed` or was `stopped`. (The first scan only learns what is there: history is not news.) Each event
goes to `happened` (open pages show it as a browser notification to the people it concerns) and to the webhooks.

Who hears of an event: the session's owner and the people watching it, if they may see it now and turned browser
notifications on. A private session reaches only its owner and admins, and the team's webhooks not at all, unless
its owner announces it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from nicegui import Event

from storage import SessionRecord, run_io

from ..errors import AodUiError, NotAllowed
from ._policy import Actor, can_act, can_view
from ._sessions import NOT_FOUND, SessionService
from ._webhooks import SessionEvent, WebhookService

__all__ = ['Notifications']

log = logging.getLogger(__name__)
ACTIVE = {'pending', 'running'}
ENDED = {'completed': 'finished', 'failed': 'failed', 'terminated': 'stopped'}


class Notifications:
    """Session events for people's browsers and the team's webhooks."""

    def __init__(self, sessions: SessionService, webhooks: WebhookService, *, public_url: str = '') -> None:
        self.sessions = sessions
        self.store = sessions.store
        self.webhooks = webhooks
        self.public_url = public_url
        self._last: dict[str, str] | None = None
        self._scanned_at = 0.0
        self.happened = Event[SessionEvent]()
        """Fired with each session event (pages decide whether their person hears of it: `wants`)."""

    # -- events -------------------------------------------------------------------------------------------------

    async def scan(self) -> list[SessionEvent]:
        """Compare AoD's list with the last one seen; tell what changed."""
        listed = {s.id: s.status for s in await self.sessions.aod_sessions()}
        before, self._last = self._last, listed
        since, self._scanned_at = self._scanned_at, time.time()
        if before is None:
            return []
        events = []
        for session_id, status in listed.items():
            record = self.store.sessions.get(session_id)
            if record is None:
                continue
            was = before.get(session_id)
            if status in ACTIVE and was is None:
                events.append(self._event('launched', record, status))
            elif status in ENDED and (was in ACTIVE or (was is None and record.created_at >= since)):
                # (launched and ended between two scans counts too)
                events.append(self._event(ENDED[status], record, status))
        for event in events:
            self.happened.emit(event)
            if event.visibility == 'team' or self.announced(event.session_id):
                self.webhooks.notify(event)
        return events

    async def run(self, interval: float = 5.0) -> None:
        """Scan for ever (started with the system)."""
        while True:
            with contextlib.suppress(AodUiError):
                await self.scan()
            await asyncio.sleep(interval)

    def _event(self, kind: str, record: SessionRecord, status: str) -> SessionEvent:
        title = (record.title or record.prompt.strip().splitlines()[0] if record.prompt.strip() else '')[:120]
        url = f'{self.public_url}/sessions/{record.session_id}' if self.public_url else ''
        return SessionEvent(kind=kind, session_id=record.session_id, title=title or record.session_id[:8],
                            agent=record.agent_name, owner=record.owner, status=status,
                            visibility=record.visibility, url=url)

    # -- who hears of it ----------------------------------------------------------------------------------------

    def wants(self, username: str, event: SessionEvent) -> bool:
        """Whether this person's browser shows the event: theirs or watched, visible to them now, and opted in."""
        user = self.store.users.get(username)
        if user is None or user.disabled or not user.extra.get('browser_notices'):
            return False
        actor = Actor(user.username, user.role)
        record = self.store.sessions.get(event.session_id)
        if not can_view(actor, record):
            return False
        return event.owner == username or username in self.watchers(event.session_id)

    def watchers(self, session_id: str) -> list[str]:
        return list(self.store.kv.get(f'watchers:{session_id}', []))

    def watching(self, actor: Actor, session_id: str) -> bool:
        return actor.username in self.watchers(session_id)

    async def watch(self, actor: Actor, session_id: str, on: bool) -> None:
        """Watch a session one may see (or stop watching it)."""
        if not can_view(actor, self.store.sessions.get(session_id)):
            raise NotAllowed(NOT_FOUND)
        names = [n for n in self.watchers(session_id) if n != actor.username] + ([actor.username] if on else [])
        await run_io(self.store.kv.set, f'watchers:{session_id}', names)

    def announced(self, session_id: str) -> bool:
        """A private session's owner let the team's webhooks tell of it."""
        return bool(self.store.kv.get(f'announce:{session_id}', False))

    async def announce(self, actor: Actor, session_id: str, on: bool) -> None:
        record = self.store.sessions.get(session_id)
        if not can_view(actor, record):
            raise NotAllowed(NOT_FOUND)
        if not can_act(actor, record):
            raise NotAllowed('Only the person who started this session, or an admin, may announce it.')
        await run_io(self.store.kv.set, f'announce:{session_id}', on)

    def browser_notices(self, username: str) -> bool:
        user = self.store.users.get(username)
        return bool(user and user.extra.get('browser_notices'))

    async def set_browser_notices(self, actor: Actor, on: bool) -> None:
        """The person's own opt-in to browser notifications."""
        user = self.store.users.get(actor.username)
        if user is None:
            raise NotAllowed('Browser notifications need an account here.')
        await run_io(self.store.users.update, user.username, extra={**user.extra, 'browser_notices': on})

