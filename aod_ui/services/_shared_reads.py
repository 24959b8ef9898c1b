"""What the dashboard reads from AoD for everyone: its session list and its agents, shared. Part of `SessionService`.

Reads of AoD's session list are shared: however many people have the list open, AoD is asked at most once per
`list_ttl` seconds, and once however many ask at the same moment. The agents are read at most once a minute (with
per-person tokens, each person's own at every ask).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from ..errors import UpstreamError
from ..upstream import AgentInfo, SessionInfo, Upstream
from ._policy import Actor
from ._single_flight import SingleFlight
from ._tokens import Upstreams

__all__ = ['SharedReads']


class SharedReads:
    """AoD's session list and agents as `SessionService` reads them, cached and shared."""

    def __init__(self, upstreams: Upstreams, *, list_ttl: float, agents_ttl: float) -> None:
        self.upstreams = upstreams
        self._list_ttl = list_ttl
        self._agents_ttl = agents_ttl
        self._list_cache: tuple[float, list[SessionInfo]] | None = None
        self._list_read = SingleFlight[list[SessionInfo]]()
        self._agents_cache: tuple[float, dict[str, AgentInfo]] | None = None
        self._agent_names: dict[str, str] = {}

    @property
    def upstream(self) -> Upstream:
        """The shared service client (the only one unless per-person tokens are on)."""
        shared = self.upstreams.shared
        if shared is None:
            raise UpstreamError('auth', 'No shared AoD token is configured.')
        return shared

    async def agents(self, actor: Actor | None = None) -> list[AgentInfo]:
        """The agents a person can start, by name (cached for a minute). AoD scopes agents to a token's owner, so
        with per-person tokens these are the person's own."""
        now = time.monotonic()
        per_person = actor is not None and self.upstreams.per_person
        if per_person or self._agents_cache is None or now - self._agents_cache[0] > self._agents_ttl:
            client = self.upstreams.for_actor(actor) if per_person and actor is not None else self._any_client()
            listed = {a.id: a for a in await client.list_agents()}
            self._agent_names.update({a.id: a.name for a in listed.values()})
            if per_person:
                return sorted(listed.values(), key=lambda a: a.name.lower())
            self._agents_cache = (now, listed)
        return sorted(self._agents_cache[1].values(), key=lambda a: a.name.lower())

    def _any_client(self) -> Upstream:
        clients = self.upstreams.every()
        if not clients:
            raise UpstreamError('auth', 'No AoD token is available: set AOD_API_TOKEN or a personal token.')
        return clients[0]

    def agent_name(self, agent_id: str | None) -> str:
        """An agent's name as last read from AoD (its id's start when not read yet)."""
        if not agent_id:
            return ''
        return self._agent_names.get(agent_id) or agent_id[:8]

    async def aod_sessions(self, fresh: bool = False) -> list[SessionInfo]:
        """AoD's sessions as every available token sees them, newest first: read at most once per `list_ttl`
        (`fresh` reads again), and once however many ask at the same moment."""
        now = time.monotonic()
        if not fresh and self._list_cache is not None and now - self._list_cache[0] < self._list_ttl:
            return self._list_cache[1]
        return await self._list_read.run('list', self._read_list)

    async def _read_list(self) -> list[SessionInfo]:
        sessions = await self._merged_sessions()
        self._list_cache = (time.monotonic(), sessions)
        return sessions

    async def _merged_sessions(self) -> list[SessionInfo]:
        """AoD's sessions as every available token sees them, without duplicates, newest first. A person's token
        that fails leaves out that person's sessions (and is marked broken on a 401); the shared token failing is
        an error for everyone."""
        clients = self.upstreams.every()
        if len(clients) == 1:
            return await clients[0].list_sessions()
        results = await asyncio.gather(*(c.list_sessions() for c in clients), return_exceptions=True)
        merged: dict[str, SessionInfo] = {}
        for client, result in zip(clients, results, strict=True):
            if isinstance(result, BaseException):
                if client is self.upstreams.shared or not isinstance(result, UpstreamError):
                    raise result
                continue
            for info in result:
                merged.setdefault(info.id, info)
        epoch = datetime.fromtimestamp(0, tz=UTC)
        return sorted(merged.values(), key=lambda i: i.created_at or epoch, reverse=True)

    def invalidate(self) -> None:
        """Forget the cached session list (after an action changed it)."""
        self._list_cache = None
