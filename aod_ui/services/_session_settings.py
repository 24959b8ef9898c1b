"""What people set on a session in the dashboard: its owner, visibility, labels and pin. Part of `SessionService`."""

from __future__ import annotations

import builtins
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from nicegui import Event

from storage import SessionRecord, Store, run_io

from ..errors import ActionError, NotAllowed, UpstreamError
from ._policy import Actor, is_admin

if TYPE_CHECKING:
    from ..upstream import Upstream

__all__ = ['SessionSettings']

NOT_FOUND = 'No such session: it may have been deleted, or you may not have access to it.'


class SessionSettings:
    """The settings actions of `SessionService` (which provides `store`, `upstream`, `_authorize` and `_audit`)."""

    store: Store
    access_changed: Event[str]

    if TYPE_CHECKING:
        @property
        def upstream(self) -> Upstream: ...

        def invalidate(self) -> None: ...

        def agent_name(self, agent_id: str | None) -> str: ...

        def _authorize(self, actor: Actor, session_id: str, action: str, verb: str = ''
                       ) -> Awaitable[SessionRecord | None]: ...

        def _audit(self, actor: Actor, action: str, session_id: str | None, outcome: str, detail: str
                   ) -> Awaitable[None]: ...

    async def assign_owner(self, actor: Actor, session_id: str, owner: str) -> None:
        """Admins hand a session to a person; a session started outside the dashboard gets its record here."""
        if not is_admin(actor):
            await self._audit(actor, 'ownership change', session_id, 'denied', 'not an admin')
            raise NotAllowed('Only admins may change who owns a session.')
        person = self.store.users.get(owner)
        if person is None:
            raise ActionError(f'There is no person called {owner}.')
        record = self.store.sessions.get(session_id)
        if record is None:
            try:
                info = await self.upstream.get_session(session_id)
            except UpstreamError as error:
                if error.kind == 'not_found':
                    raise NotAllowed(NOT_FOUND) from None
                raise
            turns = await self.upstream.turns(session_id)
            created = info.created_at.timestamp() if info.created_at else time.time()
            record = SessionRecord(session_id=session_id, agent_id=info.agent_id or '',
                                   agent_name=self.agent_name(info.agent_id), prompt=turns[0].prompt if turns else '',
                                   owner=person.username, visibility='private', created_at=created,
                                   resources=[dict(r) for r in info.resources])
            await run_io(self.store.sessions.add, record)
            detail = f'adopted from outside the dashboard, owner {person.username}'
        else:
            await run_io(self.store.sessions.set_owner, session_id, person.username)
            detail = f'{record.owner} → {person.username}'
        self.invalidate()
        self.access_changed.emit(session_id)
        await self._audit(actor, 'ownership change', session_id, 'ok', detail)

    async def set_visibility(self, actor: Actor, session_id: str, visibility: str) -> None:
        if visibility not in {'team', 'private'}:
            raise ActionError('Visibility is team or private.')
        await self._authorize(actor, session_id, 'visibility change', 'change the visibility of')
        await run_io(self.store.sessions.update, session_id, visibility=visibility)
        self.invalidate()
        self.access_changed.emit(session_id)
        await self._audit(actor, 'visibility change', session_id, 'ok', visibility)

    async def set_labels(self, actor: Actor, session_id: str, labels: builtins.list[str]) -> None:
        """Short tags people give a session to find it again (searchable in the list)."""
        cleaned = sorted({label.strip()[:40] for label in labels if label.strip()})[:20]
        await self._authorize(actor, session_id, 'labels', 'label')
        await run_io(self.store.sessions.set_labels, session_id, cleaned)
        self.invalidate()
        await self._audit(actor, 'labels', session_id, 'ok', ', '.join(cleaned))

    async def set_pinned(self, actor: Actor, session_id: str, pinned: bool) -> None:
        """Pinned sessions are never removed by the retention policy."""
        await self._authorize(actor, session_id, 'pin' if pinned else 'unpin')
        await run_io(self.store.sessions.set_pinned, session_id, pinned)
        self.invalidate()
        await self._audit(actor, 'pin' if pinned else 'unpin', session_id, 'ok', '')
