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

from ..helpers import BUG_FIX, CODEX, DASHBOARD_TOKEN
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


async def test_output_read_by_the_sessions_hub_is_news(simulator, fleet):
    service, clock = fleet
    session_id = seed(simulator, 'running', T0)
    service.sessions.hubs.hub(session_id).last_event_at = (T0 + timedelta(minutes=20)).timestamp()
    _, silent = await flagged(service, clock, T0 + timedelta(minutes=50) - EPSILON)
    assert session_id not in silent
    _, silent = await flagged(service, clock, T0 + timedelta(minutes=50) + EPSILON)
    assert session_id in silent


async def test_finished_sessions_are_never_stuck(simulator, fleet):
    service, clock = fleet
    session_id = seed(simulator, 'completed', T0)
    stuck, silent = await flagged(service, clock, T0 + timedelta(days=30))
    assert session_id not in stuck | silent


async def test_the_fleet_is_for_admins_only(fleet):
    service, _ = fleet
    with pytest.raises(NotAllowed) as refusal:
        await service.summary(OWNER)
    assert str(refusal.value) == 'Only admins may see the fleet.'


# -- the whole summary, against a simulator of its own --------------------------------------------------------------

FLEET_TOKEN = 'aod_fleet_summary_token_0123456789'
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope='module')
def own_simulator():
    from aod_ui.simulator import SimulatorConfig, SimulatorServer
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(FLEET_TOKEN,), time_scale=0.01, control=True, seed=17)
                             ).start_in_thread()
    yield server
    server.stop_thread()


async def test_the_summary_counts_sessions_people_agents_and_days(own_simulator):
    from storage import SessionRecord
    core.loop = asyncio.get_running_loop()
    bug_fix, codex = BUG_FIX, CODEX
    seeds = [  # (agent, status, exit code, days ago, owner)
        (bug_fix, 'completed', None, 1, 'olga'), (bug_fix, 'completed', None, 2, 'olga'),
        (bug_fix, 'failed', None, 1, 'max'), (bug_fix, 'failed', None, 3, 'olga'),  # provisioning failed
        (bug_fix, 'failed', 2, 1, 'max'),  # the agent exited 2
        (codex, 'completed', None, 1, None), (bug_fix, 'completed', None, 20, 'olga'),  # outside 14 days
        (bug_fix, 'pending', None, 0, 'max'), (bug_fix, 'running', None, 0, 'max'),
        (bug_fix, 'terminated', None, 2, 'olga'), (bug_fix, 'completed', None, 4, None),
    ]
    body = [{'token': FLEET_TOKEN, 'agent_id': agent, 'status': status, 'exit_code': code,
             'created_at': (NOW - timedelta(days=days, hours=1, minutes=index)).isoformat(),
             **({'updated_at': (NOW - timedelta(days=days)).isoformat()} if status not in {'pending', 'running'}
                else {'updated_at': (NOW - timedelta(days=days, hours=1)).isoformat()})}
            for index, (agent, status, code, days, _) in enumerate(seeds)]
    created = httpx.post(f'{own_simulator.url}/_sim/sessions', json=body, timeout=30).json()['data']
    ids = [s['id'] for s in created]
    upstream = Upstream(own_simulator.url, FLEET_TOKEN, timeout=10)
    store = memory_store()
    for session_id, (agent, _, _, _, owner) in zip(ids, seeds, strict=True):
        if owner:
            store.sessions.add(SessionRecord(session_id=session_id, agent_id=agent, agent_name='', prompt='p',
                                             owner=owner))
    upstreams = Upstreams(upstream, store=store)
    sessions = SessionService(upstreams, store, HubRegistry(upstreams.for_session))
    fleet = FleetService(sessions, store, upstreams, session_limit=7, days=14, reads_per_refresh=3,
                         clock=lambda: NOW)
    # facts (costs, durations, why sessions failed) come from the archive, which this service has not got
    summary = await fleet.summary(ADMIN)
    assert (summary.facts_known, summary.facts_missing) == (0, 8)
    assert summary.by_status == {'completed': 5, 'failed': 3, 'pending': 1, 'running': 1, 'terminated': 1}
    assert (summary.active, summary.limit, summary.limit_source) == (2, 7, 'from configuration')
    upstream.status.known_limit = 3  # AoD said so in a 429
    upstream.recent_errors.extend([(1.0, 'server', 'older'), (2.0, 'timeout', 'newer')])
    told = await fleet.summary(ADMIN)
    assert (told.limit, told.limit_source) == (3, 'from AoD\'s last 429')
    assert told.recent_errors[:2] == [(2.0, 'timeout', 'newer'), (1.0, 'server', 'older')]
    assert list(summary.per_day) == [(NOW - timedelta(days=13 - n)).strftime('%m-%d') for n in range(14)]
    assert [r.id for r in summary.stuck_pending] == [ids[7]] and [r.id for r in summary.silent_running] == [ids[8]]
    assert summary.per_person == {'olga': 4, 'max': 4, '(outside)': 2}
    assert summary.per_agent == {'bug-fix': {'completed': 3, 'failed': 3, 'pending': 1, 'running': 1,
                                             'terminated': 1}, 'codex-refactor': {'completed': 1}}
    assert len(summary.per_day) == 14 and sum(sum(c.values()) for c in summary.per_day.values()) == 10
    assert summary.per_day[(NOW - timedelta(days=1, hours=1)).astimezone().strftime('%m-%d')]['failed'] == 2
    assert summary.reachable is True and summary.latency_ms is not None
    await upstream.aclose()
