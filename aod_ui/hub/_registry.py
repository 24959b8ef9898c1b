"""The registry of live hubs: at most one per session, created on the first viewer (or by the archive's follower),
forgotten when it stops."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Coroutine
from typing import Any

from nicegui import background_tasks

from ._hub import SessionHub
from ._source import StreamSource

__all__ = ['HubRegistry', 'spawn_detached']


def spawn_detached(coroutine: Coroutine, name: str) -> asyncio.Task:
    """Start a shared background task in a fresh context, so it never sees the person whose request started it
    (NiceGUI's `app.storage.user` follows the request's context into tasks created from it)."""
    return contextvars.Context().run(background_tasks.create, coroutine, name=name)


class HubRegistry:
    """Hands out the one `SessionHub` of each watched or followed session. With an `archive`, every hub appends
    what it reads to the session's archive and starts from what is archived."""

    def __init__(self, source_for: Callable[[str], StreamSource], *,
                 spawn: Callable[[Coroutine, str], asyncio.Task] = spawn_detached, hold: int = 5_000,
                 batch_interval: float = 0.05, linger: float = 30.0, idle_poll: float = 5.0,
                 archive: Any = None) -> None:
        self._source_for = source_for
        self._spawn = spawn
        self._options = {'hold': hold, 'batch_interval': batch_interval, 'linger': linger,
                         'idle_poll': idle_poll}
        self.archive = archive
        """The `aod_ui.archive.Archive`, if sessions are archived."""
        self._hubs: dict[str, SessionHub] = {}

    def hub(self, session_id: str) -> SessionHub:
        """The session's hub, created if nobody watches it yet."""
        hub = self._hubs.get(session_id)
        if hub is None:
            log = self.archive.log(session_id) if self.archive is not None else None
            hub = SessionHub(session_id, self._source_for(session_id), spawn=self._spawn, on_stop=self._forget,
                             log=log, **self._options)  # type: ignore[arg-type]
            self._hubs[session_id] = hub
        return hub

    async def opened(self, session_id: str) -> SessionHub:
        """The session's hub, with what the archive holds of it loaded (what pages and downloads use)."""
        hub = self.hub(session_id)
        await hub.prepare()
        return hub

    def get(self, session_id: str) -> SessionHub | None:
        """The session's hub if one exists."""
        return self._hubs.get(session_id)

    def heard_at(self, session_id: str) -> float | None:
        """When a session's hub last accepted an event from AoD (None without a hub, or before its first event)."""
        hub = self._hubs.get(session_id)
        return hub.last_event_at if hub is not None else None

    def wake(self, session_id: str) -> None:
        """Tell a session's hub, if any, to reconnect now (after a follow-up prompt)."""
        hub = self._hubs.get(session_id)
        if hub is not None:
            hub.wake()

    def answer(self, session_id: str, status: str, turn: int | None = None) -> None:
        """Give a session's hub, if any, what AoD answered about the session's status (after a stop)."""
        hub = self._hubs.get(session_id)
        if hub is not None:
            hub.answer(status, turn)

    def __len__(self) -> int:
        return len(self._hubs)

    def __iter__(self):
        return iter(list(self._hubs.values()))

    def _forget(self, hub: SessionHub) -> None:
        if self._hubs.get(hub.session_id) is hub and hub.viewer_count == 0:
            del self._hubs[hub.session_id]

    async def stop_all(self) -> None:
        """Stop every hub (at shutdown)."""
        for hub in list(self._hubs.values()):
            await hub.stop()
        self._hubs.clear()
