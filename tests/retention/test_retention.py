"""The retention policy against a simulator holding a few thousand sessions of mixed age and status."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from nicegui import core

from aod_ui.errors import ActionError
from aod_ui.hub import HubRegistry
from aod_ui.services import RetentionPolicy, RetentionService, SessionService, Upstreams
from aod_ui.simulator import SimulatorConfig, SimulatorServer
from aod_ui.upstream import Upstream
from storage import SessionRecord, open_store

from ..helpers import BUG_FIX, CODE_REVIEW, CODEX

TOKEN = 'aod_retention_tests_token_0123456789'
NOW = datetime.now(UTC)
POLICY = RetentionPolicy(days=30, stuck_hours=12, agent_days={'code-review': 90})


def expected_action(status: str, agent: str, age_days: float, pinned: bool) -> str | None:
    if pinned:
        return None
    if status in {'completed', 'failed', 'terminated'}:
        limit = 90 if agent == CODE_REVIEW else 30
        return 'delete' if age_days > limit + 0.01 else None
    return 'stop+delete' if age_days * 24 > 12 else None


@pytest.fixture
def fleet(tmp_path):
    """A fresh simulator with 2,000 seeded sessions, and the dashboard's records of some of them."""
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(TOKEN,), time_scale=0.01, control=True,
                                             seed=11)).start_in_thread()
    rng = random.Random(5)
    seeds, expectations = [], {}
    for index in range(2000):
        status = rng.choice(['completed'] * 5 + ['failed', 'terminated', 'running', 'pending'])
        agent = rng.choice([CODE_REVIEW, BUG_FIX, CODEX])
        age = rng.choice([0.01, 0.2, 1, 10, 29, 31, 45, 89, 91, 200])
        created = NOW - timedelta(days=age)
        seeds.append({'token': TOKEN, 'agent_id': agent, 'status': status, 'created_at': created.isoformat(),
                      'updated_at': created.isoformat(), 'prompt': f'task {index}'})
    with httpx.Client(base_url=server.url, timeout=60) as client:
        answer = client.post('/_sim/sessions', json=seeds)
        assert answer.status_code in {200, 201}, answer.text
        created = answer.json()
    created = created if isinstance(created, list) else created['data']
    store = open_store(tmp_path / 'data')
    for index, (seed, session) in enumerate(zip(seeds, created, strict=True)):
        pinned = index % 50 == 0
        if index % 3 == 0 or pinned:
            store.sessions.add(SessionRecord(session_id=session['id'], agent_id=seed['agent_id'], agent_name='',
                                             prompt=seed['prompt'], owner='olga', pinned=pinned))
        age = (NOW - datetime.fromisoformat(seed['created_at'])).total_seconds() / 86400
        expectations[session['id']] = expected_action(seed['status'], seed['agent_id'], age, pinned)
    yield server, store, expectations
    store.close()
    server.stop_thread()


async def service_for(server: SimulatorServer, store, rate: float = 5000.0) -> RetentionService:
    core.loop = asyncio.get_running_loop()
    upstream = Upstream(server.url, TOKEN, timeout=30)
    upstreams = Upstreams(upstream, store=store)
    sessions = SessionService(upstreams, store, HubRegistry(upstreams.for_session))
    await sessions.agents()
    return RetentionService(store, upstreams, lambda: sessions.aod_sessions(fresh=True), sessions.agent_name,
                            policy=POLICY, rate=rate, stop_wait=10)


def remaining(server: SimulatorServer) -> dict[str, str]:
    with httpx.Client(base_url=server.url, headers={'Authorization': f'Bearer {TOKEN}'}, timeout=60) as client:
        return {s['id']: s['status'] for s in client.get('/sessions').json()['data']}


def delete_calls(server: SimulatorServer) -> int:
    return httpx.get(f'{server.url}/_sim/stats').json()['requests'].get('delete', 0)


async def test_dry_run_lists_exactly_the_policy_and_apply_deletes_exactly_that(fleet):
    server, store, expectations = fleet
    service = await service_for(server, store)
    plan = await service.plan()
    wanted = {sid: action for sid, action in expectations.items() if action}
    assert {item.session_id: item.action for item in plan} == wanted
    assert all(item.reason for item in plan)
    assert remaining(server).keys() == expectations.keys()  # a dry run touches nothing
    report = await service.run('ada')
    assert report.deleted == len(wanted) and not report.failed
    left = remaining(server)
    assert set(left) == {sid for sid, action in expectations.items() if not action}
    assert delete_calls(server) == len(wanted)
    pinned = [r.session_id for r in store.sessions.all() if r.pinned]
    assert pinned and all(sid in left for sid in pinned)
    assert not [sid for sid in wanted if store.sessions.get(sid) is not None]  # records go with their sessions
    entries = store.audit.query(action='retention')
    assert entries[0].actor == 'ada' and f'{len(wanted)} deleted' in entries[0].detail


async def test_an_interrupted_run_resumes_without_repeating_or_overreaching(fleet):
    server, store, expectations = fleet
    service = await service_for(server, store)
    wanted = {sid for sid, action in expectations.items() if action}
    task = asyncio.get_running_loop().create_task(service.run('retention'))
    while delete_calls(server) < 40:
        await asyncio.sleep(0.01)
    task.cancel()  # the process stops halfway
    with pytest.raises(asyncio.CancelledError):
        await task
    first = delete_calls(server)
    assert 0 < first < len(wanted)
    resumed = await service_for(server, store)
    report = await resumed.run('retention')
    assert report.resumed
    assert set(remaining(server)) == set(expectations) - wanted
    assert delete_calls(server) - first <= len(wanted) - first + 1  # at most the one cut mid-call is asked again


async def test_only_one_run_at_a_time(fleet):
    server, store, _ = fleet
    service = await service_for(server, store, rate=200)
    task = asyncio.get_running_loop().create_task(service.run('ada'))
    await asyncio.sleep(0.2)
    with pytest.raises(ActionError, match='already under way'):
        await service.run('bob')
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_rate_limit_holds(fleet):
    server, store, _ = fleet
    service = await service_for(server, store, rate=40)
    task = asyncio.get_running_loop().create_task(service.run('ada'))
    await asyncio.sleep(0.3)
    before, started = httpx.get(f'{server.url}/_sim/stats').json()['requests'], time.monotonic()
    await asyncio.sleep(1.5)
    after, elapsed = httpx.get(f'{server.url}/_sim/stats').json()['requests'], time.monotonic() - started
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    calls = sum(after.get(k, 0) - before.get(k, 0) for k in ('get', 'terminate', 'delete'))
    assert 0 < calls <= 40 * elapsed + 2
