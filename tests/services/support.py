"""A session service on the real simulator, for the service tests that launch."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from nicegui import core

from aod_ui.errors import UpstreamError
from aod_ui.hub import HubRegistry
from aod_ui.services import FairShare, SessionService, Upstreams
from aod_ui.simulator import SimulatorServer
from aod_ui.upstream import Upstream
from storage import memory_store

from ..helpers import DASHBOARD_TOKEN, spawn


@contextlib.asynccontextmanager
async def launching_service(simulator: SimulatorServer, role_limits: dict[str, int],
                            **options: object) -> AsyncIterator[SessionService]:
    """A `SessionService` with a memory store and the given fair share; every session it launched is terminated
    afterwards, so the shared simulator's active slots are free for the next test."""
    core.loop = asyncio.get_running_loop()
    upstream = Upstream(simulator.url, DASHBOARD_TOKEN, timeout=20)
    hubs = HubRegistry(lambda _: upstream, spawn=spawn)
    store = memory_store()
    service = SessionService(Upstreams(upstream, store=store), store, hubs,
                             fair_share=FairShare(store, role_limits=role_limits), **options)  # type: ignore[arg-type]
    try:
        yield service
    finally:
        for record in store.sessions.all():
            with contextlib.suppress(UpstreamError):
                await upstream.terminate(record.session_id)
        await hubs.stop_all()
        await upstream.aclose()
