"""A dashboard's services over one archive and the test simulator: what the tests of sessions AoD deleted share."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from aod_ui.archive import Archive
from aod_ui.hub import HubRegistry
from aod_ui.services import (
    Actor,
    FleetService,
    LaunchRequest,
    RetentionPolicy,
    RetentionService,
    SessionService,
    Upstreams,
)
from aod_ui.upstream import Upstream
from storage import Store, open_store

from ..helpers import BUG_FIX, spawn

ADMIN = Actor('ada', 'admin')
ALICE = Actor('alice', 'member')
BOB = Actor('bob', 'member')
CAROL = Actor('carol', 'viewer')


@dataclass
class World:
    store: Store
    archive: Archive
    hubs: HubRegistry
    upstreams: Upstreams
    sessions: SessionService
    fleet: FleetService
    clock: list[float]
    """The archive's clock (when AoD deleted a session), settable."""
    retention: RetentionService = field(init=False)

    def __post_init__(self) -> None:
        self.retention = self.retention_with()

    def retention_with(self, **options) -> RetentionService:
        """Another retention service over the same store and archive (a restart, another clock or policy)."""
        return RetentionService(self.store, self.upstreams, lambda: self.sessions.aod_sessions(fresh=True),
                                self.sessions.agent_name, **{'policy': RetentionPolicy(archive_days=2), 'rate': 1000,
                                                             'archive': self.archive, **options})


@contextlib.asynccontextmanager
async def world_on(upstream: Upstream, folder: Path) -> AsyncIterator[World]:
    clock = [time.time()]
    store = open_store(folder)
    archive = Archive(folder / 'archive', clock=lambda: clock[0])
    archive.open()
    hubs = HubRegistry(lambda _: upstream, spawn=spawn, archive=archive, batch_interval=0.02, linger=0.2,
                       idle_poll=0.2)
    upstreams = Upstreams(upstream, store=store)
    sessions = SessionService(upstreams, store, hubs)
    try:
        yield World(store, archive, hubs, upstreams, sessions, FleetService(sessions, store, upstreams), clock)
    finally:
        await hubs.stop_all()
        store.close()


async def archived(world: World, actor: Actor, prompt: str, visibility: str, agent: str = BUG_FIX) -> str:
    """A session launched by `actor`, read to its end and archived whole."""
    session_id = await world.sessions.launch(actor, LaunchRequest(agent_id=agent, prompt=prompt,
                                                                  visibility=visibility))
    hub = world.hubs.hub(session_id)
    hub.follow()
    await asyncio.wait_for(hub.settled.wait(), 30)
    assert world.archive.complete(session_id)
    return session_id
