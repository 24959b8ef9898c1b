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


async def test_a_pending_or_running_session_at_exactly_the_threshold_is_not_flagged_yet(simulator, fleet):
    service, clock = fleet
    pending, running = seed(simulator, 'pending', T0), seed(simulator, 'running', T0)
    stuck, silent = await flagged(service, clock, T0 + timedelta(minutes=15))
    assert pending not in stuck
    stuck, silent = await flagged(service, clock, T0 + timedelta(minutes=30))
    assert running not in silent and pending in stuck


# -- what finished sessions told (facts learnt earlier, kept in the store) -----------------------------------------

FACTS_TOKEN = 'aod_fleet_facts_token_0123456789ab'


@pytest.fixture(scope='module')
def facts_simulator():
    from aod_ui.simulator import SimulatorConfig, SimulatorServer
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(FACTS_TOKEN,), time_scale=0.01, control=True, seed=18)
                             ).start_in_thread()
    yield server
    server.stop_thread()


async def test_the_summary_tells_costs_durations_and_failures_from_the_facts(facts_simulator):
    from aod_ui.services._facts import key
    from storage import SessionRecord
    core.loop = asyncio.get_running_loop()
    seeds = [  # (agent, status, exit code, minutes ago, owner, facts: cost, duration, failed stage, failure)
        (BUG_FIX, 'completed', 0, 10, 'olga', (0.5, 60_000, None, None)),
        (BUG_FIX, 'completed', 0, 20, None, (0.25, 30_000, None, None)),
        (CODEX, 'completed', 0, 30, 'olga', (1.0, 10_000, None, None)),
        *((BUG_FIX, 'failed', None, 40 + n, 'max', (None, None, 'install_runtime', 'npm failed')) for n in range(6)),
        (BUG_FIX, 'failed', 2, 50, 'max', (None, None, None, None)),  # the agent exited 2
        (BUG_FIX, 'failed', 1, 60, None, (0.125, None, None, 'boom')),
        (BUG_FIX, 'completed', 0, 70, 'olga', None),  # not read yet
        (BUG_FIX, 'pending', None, 15.5, 'max', None), (BUG_FIX, 'running', None, 30.5, 'max', None),
        (BUG_FIX, 'completed', 0, 14 * 24 * 60, 'olga', None),  # exactly as old as the summary reaches
        (BUG_FIX, 'completed', 0, 14 * 24 * 60 + 12 * 60, 'olga', None),  # older: not counted
    ]
    body = [{'token': FACTS_TOKEN, 'agent_id': agent, 'status': status, 'exit_code': code,
             'created_at': (NOW - timedelta(minutes=ago)).isoformat(),
             'updated_at': (NOW - timedelta(minutes=ago)).isoformat()}
            for agent, status, code, ago, _, _ in seeds]
    ids = [s['id'] for s in httpx.post(f'{facts_simulator.url}/_sim/sessions', json=body, timeout=30).json()['data']]
    store = memory_store()
    for n, (session_id, (agent, _, _, _, owner, facts)) in enumerate(zip(ids, seeds, strict=True)):
        if owner:
            store.sessions.add(SessionRecord(session_id=session_id, agent_id=agent, agent_name='',
                                             prompt=f'task {n}\ndetails', owner=owner))
        if facts:
            store.kv.set(key(session_id), dict(zip(('cost_usd', 'duration_ms', 'failed_stage', 'failure'), facts,
                                                   strict=True)))
    upstream = Upstream(facts_simulator.url, FACTS_TOKEN, timeout=10)
    upstreams = Upstreams(upstream, store=store)
    sessions = SessionService(upstreams, store, HubRegistry(upstreams.for_session))
    fleet = FleetService(sessions, store, upstreams, clock=lambda: NOW)  # the defaults
    summary = await fleet.summary(ADMIN)
    assert (summary.limit, summary.limit_source) == (100, 'from configuration')
    assert [r.id for r in summary.stuck_pending] == [ids[12]] and [r.id for r in summary.silent_running] == [ids[13]]
    assert list(summary.per_day)[:14] == [(NOW - timedelta(days=13 - n)).strftime('%m-%d') for n in range(14)]
    assert sum(sum(c.values()) for c in summary.per_day.values()) == 15  # the days before and the one 14 days ago
    assert (summary.facts_known, summary.facts_missing) == (11, 2)
    assert summary.cost_by_agent == {'bug-fix': 0.875, 'codex-refactor': 1.0}
    assert summary.cost_by_person == {'olga': 1.5, '(outside)': 0.375}
    assert summary.duration_by_agent == {'bug-fix': 45.0, 'codex-refactor': 10.0}
    assert summary.failures[0] == ('install_runtime', 'npm failed', 6, ids[3:8])
    assert sorted(summary.failures[1:]) == [('agent', 'boom', 1, [ids[10]]), ('agent', 'exit code 2', 1, [ids[9]])]
    assert summary.titles == {ids[n]: f'task {n}' for n in (3, 4, 5, 6, 7, 9)}  # the recorded ones shown
    await upstream.aclose()


async def test_facts_are_learnt_a_few_at_a_time_newest_first(facts_simulator):
    from aod_ui.services._facts import key
    core.loop = asyncio.get_running_loop()
    body = [{'token': FACTS_TOKEN, 'agent_id': CODEX, 'status': 'completed', 'exit_code': 0,
             'created_at': (NOW - timedelta(seconds=ago)).isoformat(),
             'updated_at': (NOW - timedelta(seconds=ago)).isoformat()} for ago in (3, 1, 2)]
    ids = [s['id'] for s in httpx.post(f'{facts_simulator.url}/_sim/sessions', json=body, timeout=30).json()['data']]
    store = memory_store()
    for cost, session_id in zip((0.001, 100.0, 10.0), ids, strict=True):
        store.kv.set(key(session_id), {'cost_usd': cost, 'duration_ms': None, 'failed_stage': None, 'failure': None})
    upstream = Upstream(facts_simulator.url, FACTS_TOKEN, timeout=10)
    upstreams = Upstreams(upstream, store=store)
    sessions = SessionService(upstreams, store, HubRegistry(upstreams.for_session))
    fleet = FleetService(sessions, store, upstreams, reads_per_refresh=1, clock=lambda: NOW)
    costs = [round((await fleet.summary(ADMIN)).cost_by_agent.get('codex-refactor', 0), 3) for _ in range(3)]
    assert costs == [100.0, 110.0, 110.001]  # the newest first, one more each time
    await upstream.aclose()
