"""The operator's stuck-session thresholds at both edges, with an injected clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from nicegui import core

from aod_ui.errors import NotAllowed
from aod_ui.hub import HubRegistry
from aod_ui.services import FleetService, SessionService, Upstreams
from aod_ui.upstream import Upstream
from storage import memory_store

from ..helpers import CODEX, DASHBOARD_TOKEN
from .test_policy import ADMIN, OWNER

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EPSILON = timedelta(seconds=1)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def fleet(simulator):
    core.loop = asyncio.get_running_loop()
    upstream = Upstream(simulator.url, DASHBOARD_TOKEN, timeout=10)
    store = memory_store()
    upstreams = Upstreams(upstream, store=store)
    sessions = SessionService(upstreams, store, HubRegistry(upstreams.for_session))
    clock = Clock()
    yield FleetService(sessions, store, upstreams, stuck_pending_minutes=15, silent_running_minutes=30,
                       reads_per_refresh=0, clock=clock), clock
    await upstream.aclose()


def seed(simulator, status: str, at: datetime) -> str:
    answer = httpx.post(f'{simulator.url}/_sim/sessions', json={
        'token': DASHBOARD_TOKEN, 'agent_id': CODEX, 'status': status, 'created_at': at.isoformat(),
        'updated_at': at.isoformat()}, timeout=10)
    return answer.json()['id']


async def flagged(fleet: FleetService, clock: Clock, at: datetime) -> tuple[set[str], set[str]]:
    clock.now = at
    fleet.sessions.invalidate()
    summary = await fleet.summary(ADMIN)
    return {r.id for r in summary.stuck_pending}, {r.id for r in summary.silent_running}


async def test_a_pending_session_is_stuck_after_exactly_fifteen_minutes(simulator, fleet):
    service, clock = fleet
    session_id = seed(simulator, 'pending', T0)
    stuck, _ = await flagged(service, clock, T0 + timedelta(minutes=15) - EPSILON)
    assert session_id not in stuck
    stuck, silent = await flagged(service, clock, T0 + timedelta(minutes=15) + EPSILON)
    assert session_id in stuck and session_id not in silent


async def test_a_running_session_is_silent_after_exactly_thirty_minutes_without_news(simulator, fleet):
    service, clock = fleet
    session_id = seed(simulator, 'running', T0)
    _, silent = await flagged(service, clock, T0 + timedelta(minutes=30) - EPSILON)
    assert session_id not in silent
    stuck, silent = await flagged(service, clock, T0 + timedelta(minutes=30) + EPSILON)
    assert session_id in silent and session_id not in stuck


async def test_finished_sessions_are_never_stuck(simulator, fleet):
    service, clock = fleet
    session_id = seed(simulator, 'completed', T0)
    stuck, silent = await flagged(service, clock, T0 + timedelta(days=30))
    assert session_id not in stuck | silent


async def test_the_fleet_is_for_admins_only(fleet):
    service, _ = fleet
    with pytest.raises(NotAllowed):
        await service.summary(OWNER)
