"""The retention rules at both edges of every age limit (with an injected clock), and the re-check a run makes of
each session right before acting on it."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from nicegui import core

from aod_ui.errors import ActionError
from aod_ui.hub import HubRegistry
from aod_ui.services import RetentionPolicy, RetentionService, SessionService, Upstreams
from aod_ui.simulator import SimulatorConfig, SimulatorServer
from aod_ui.upstream import Upstream
from aod_ui.upstream._models import SessionInfo
from storage import SessionRecord, memory_store

from ..helpers import BUG_FIX, CODE_REVIEW

TOKEN = 'aod_retention_rules_token_0123456789'
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EPSILON = timedelta(seconds=1)
POLICY = RetentionPolicy(days=30, stuck_hours=12, agent_days={'code-review': 90})


def info(status: str, *, ended: datetime = T0, created: datetime | None = None, agent: str = BUG_FIX) -> SessionInfo:
    return SessionInfo.from_json({'id': 'x', 'agent_id': agent, 'status': status, 'provider': 'anthropic',
                                  'created_at': (created or ended).isoformat(), 'updated_at': ended.isoformat(),
                                  'turn_count': 1, 'current_turn': 1, 'resources': []})


RECORD = SessionRecord(session_id='x', agent_id=BUG_FIX, agent_name='bug-fix', prompt='p', owner='olga')


@pytest.mark.parametrize('status', ['completed', 'failed', 'terminated'])
def test_finished_sessions_are_kept_until_exactly_their_age_limit(status):
    assert POLICY.decide(info(status), RECORD, 'bug-fix', T0 + timedelta(days=30) - EPSILON) is None
    action, reason = POLICY.decide(info(status), RECORD, 'bug-fix', T0 + timedelta(days=30) + EPSILON)
    assert action == 'delete' and reason.startswith(f'{status} 30.0 days ago (limit 30 days)')


def test_the_age_of_a_finished_session_counts_from_its_end():
    long_run = info('completed', created=T0 - timedelta(days=20), ended=T0)
    assert POLICY.decide(long_run, RECORD, 'bug-fix', T0 + timedelta(days=30) - EPSILON) is None


def test_an_agent_limit_wins_over_the_general_one_by_name_or_id():
    review = info('completed', agent=CODE_REVIEW)
    assert POLICY.decide(review, RECORD, 'code-review', T0 + timedelta(days=31)) is None
    assert POLICY.decide(review, RECORD, 'code-review', T0 + timedelta(days=90) - EPSILON) is None
    assert POLICY.decide(review, RECORD, 'code-review', T0 + timedelta(days=90) + EPSILON)[0] == 'delete'
    by_id = RetentionPolicy(days=30, agent_days={CODE_REVIEW: 90})
    assert by_id.decide(review, None, 'renamed', T0 + timedelta(days=90) - EPSILON) is None
    assert by_id.decide(review, None, 'renamed', T0 + timedelta(days=90) + EPSILON)[0] == 'delete'


@pytest.mark.parametrize('status', ['pending', 'running'])
def test_active_sessions_are_stuck_after_exactly_the_stuck_limit(status):
    active = info(status, created=T0, ended=T0 + timedelta(hours=11))
    assert POLICY.decide(active, RECORD, 'bug-fix', T0 + timedelta(hours=12) - EPSILON) is None
    action, reason = POLICY.decide(active, RECORD, 'bug-fix', T0 + timedelta(hours=12) + EPSILON)
    assert action == 'stop+delete' and reason == f'still {status} after 12.0 hours (limit 12 h)'


def test_zero_switches_a_rule_off_and_pinned_or_undated_sessions_are_kept():
    far = T0 + timedelta(days=10_000)
    off = RetentionPolicy(days=0, stuck_hours=0)
    assert not off.enabled
    assert off.decide(info('completed'), RECORD, 'bug-fix', far) is None
    assert off.decide(info('running'), RECORD, 'bug-fix', far) is None
    assert RetentionPolicy(agent_days={'bug-fix': 1}).enabled
    assert POLICY.decide(info('completed'), replace(RECORD, pinned=True), 'bug-fix', far) is None
    assert POLICY.decide(info('running'), replace(RECORD, pinned=True), 'bug-fix', far) is None
    undated = SessionInfo.from_json({'id': 'x', 'status': 'completed', 'provider': 'anthropic'})
    assert POLICY.decide(undated, RECORD, 'bug-fix', far) is None


# -- runs against a simulator -------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def server():
    simulator = SimulatorServer(SimulatorConfig(port=0, tokens=(TOKEN,), time_scale=0.01, control=True, seed=13)
                                ).start_in_thread()
    yield simulator
    simulator.stop_thread()


def seed(server: SimulatorServer, count: int, at: datetime = T0) -> list[str]:
    body = [{'token': TOKEN, 'agent_id': BUG_FIX, 'status': 'completed', 'created_at': at.isoformat(),
             'updated_at': at.isoformat(), 'prompt': f'old task {n}'} for n in range(count)]
    answer = httpx.post(f'{server.url}/_sim/sessions', json=body, timeout=30)
    return [s['id'] for s in answer.json()['data']]


def alive(server: SimulatorServer, session_ids: list[str]) -> set[str]:
    with httpx.Client(base_url=server.url, headers={'Authorization': f'Bearer {TOKEN}'}, timeout=30) as client:
        return {s['id'] for s in client.get('/sessions').json()['data']} & set(session_ids)


async def retention_for(server: SimulatorServer, store, session_ids: list[str], now: datetime,
                        **options) -> RetentionService:
    core.loop = asyncio.get_running_loop()
    upstreams = Upstreams(Upstream(server.url, TOKEN, timeout=30), store=store)
    sessions = SessionService(upstreams, store, HubRegistry(upstreams.for_session))

    async def these() -> list[SessionInfo]:  # the module's simulator is shared: each test plans its own sessions
        return [i for i in await sessions.aod_sessions(fresh=True) if i.id in session_ids]
    return RetentionService(store, upstreams, these, sessions.agent_name, **{
        'policy': POLICY, 'rate': 1000, 'stop_wait': 5, 'clock': lambda: now, **options})


def recorded(store, session_ids: list[str]) -> None:
    for session_id in session_ids:
        store.sessions.add(SessionRecord(session_id=session_id, agent_id=BUG_FIX, agent_name='bug-fix', prompt='p',
                                         owner='olga'))


async def test_a_run_uses_the_clock_for_its_plan_and_its_re_check(server):
    ended = datetime.now(UTC) - timedelta(days=10)  # by the wall clock these are young: only the injected one ages them
    ids = seed(server, 2, at=ended)
    store = memory_store()
    recorded(store, ids)
    early = await retention_for(server, store, ids, ended + timedelta(days=30) - EPSILON)
    assert await early.plan() == []
    assert (await early.run('ada')).deleted == 0
    late = await retention_for(server, store, ids, ended + timedelta(days=30) + EPSILON)
    assert sorted(item.session_id for item in await late.plan()) == sorted(ids)
    assert (await late.run('ada')).deleted == 2
    assert alive(server, ids) == set()


async def test_a_session_pinned_during_a_run_is_left_alone(server):
    ids = seed(server, 4)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    planned = [item.session_id for item in await service.plan()]
    assert sorted(planned) == sorted(ids)

    def pin_the_last(report) -> None:  # called after the first session; the run's plan was made before
        if report.deleted == 1:
            store.sessions.set_pinned(planned[-1], True)
    report = await service.run('ada', on_progress=pin_the_last)
    assert (report.planned, report.deleted, report.skipped) == (4, 3, 1)
    assert alive(server, ids) == {planned[-1]}
    assert store.sessions.get(planned[-1]).pinned


async def test_a_session_pinned_while_a_run_was_cut_short_is_left_alone_on_resume(server):
    ids = seed(server, 30)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    service.rate = 20  # slow enough to be cut short
    task = asyncio.get_running_loop().create_task(service.run('retention'))
    while len(alive(server, ids)) > 25:
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    planned = [item['session_id'] for item in store.kv.get('retention.run')['items']]
    survivors = [sid for sid in planned if sid in alive(server, ids)]
    store.sessions.set_pinned(survivors[-1], True)  # pinned while the dashboard was down
    position = store.kv.get('retention.progress')['next']  # where the cut run stopped
    assert position > 0
    resumed = await retention_for(server, store, ids, T0 + timedelta(days=40))
    report = await resumed.run('ada')
    assert (report.resumed, report.by, report.planned) == (True, 'retention', 30)  # the cut run, finished
    assert report.deleted + report.skipped == 30 - position  # from where it stopped, not from the start
    assert 1 <= report.skipped <= 2  # the pinned one (and the one cut mid-call, already gone)
    assert alive(server, ids) == {survivors[-1]}


def test_exactly_at_a_limit_a_session_is_kept_and_fractions_count():
    assert POLICY.decide(info('completed'), RECORD, 'bug-fix', T0 + timedelta(days=30)) is None
    running = info('running', created=T0, ended=T0)
    assert POLICY.decide(running, RECORD, 'bug-fix', T0 + timedelta(hours=12)) is None
    half = RetentionPolicy(days=0.5, stuck_hours=0.5)
    assert half.decide(info('completed'), RECORD, 'bug-fix', T0 + timedelta(hours=13))[0] == 'delete'
    assert half.decide(running, RECORD, 'bug-fix', T0 + timedelta(minutes=31))[0] == 'stop+delete'


def test_the_policy_and_a_report_read_plainly():
    assert POLICY.describe() == ('delete finished sessions after 30 days; code-review: 90 days; stop and delete '
                                 'sessions still active after 12 hours; keep archived copies of sessions AoD '
                                 'deleted; pinned sessions are kept')
    assert RetentionPolicy().describe() == ('keep finished sessions (no age limit); never stop active sessions; '
                                            'keep archived copies of sessions AoD deleted; pinned sessions are kept')
    from aod_ui.services import RunReport
    report = RunReport(id='r', by='ada', started_at=0, applied=True, planned=5, deleted=2, stopped=1, skipped=1,
                       deferred=1, failed=[('s', 'boom')])
    assert report.summary() == ('5 planned, 2 deleted, 0 archived copies removed, 1 stopped, 1 no longer '
                                'matching, 1 left for the next run (still active), 1 failed')
    report.resumed = True
    assert report.summary().endswith('1 failed (resumed after a restart)')


def seed_one(server: SimulatorServer, status: str, at: datetime, prompt: str = 'old task') -> str:
    body = {'token': TOKEN, 'agent_id': BUG_FIX, 'status': status, 'created_at': at.isoformat(),
            'updated_at': at.isoformat(), 'prompt': prompt}
    return httpx.post(f'{server.url}/_sim/sessions', json=body, timeout=30).json()['id']


async def test_a_stuck_session_is_stopped_then_deleted_and_the_run_is_recorded(server):
    session_id = seed_one(server, 'running', T0)
    store = memory_store()
    store.sessions.add(SessionRecord(session_id=session_id, agent_id=BUG_FIX, agent_name='bug-fix',
                                     prompt='Fix the flaky test\nand more', owner='olga'))
    service = await retention_for(server, store, [session_id], T0 + timedelta(hours=13))
    [item] = await service.plan()
    assert (item.action, item.reason, item.status, item.agent, item.owner, item.title) == (
        'stop+delete', 'still running after 13.0 hours (limit 12 h)', 'running', 'bug-fix', 'olga',
        'Fix the flaky test')
    report = await service.run('ada')
    assert (report.planned, report.stopped, report.deleted, report.failed) == (1, 1, 1, [])
    assert alive(server, [session_id]) == set() and store.sessions.get(session_id) is None
    lines = [(e.actor, e.action, e.outcome, e.session_id, e.detail) for e in reversed(store.audit.query())]
    assert lines == [('ada', 'retention delete', 'ok', session_id,
                      'stop+delete: still running after 13.0 hours (limit 12 h)'),
                     ('ada', 'retention', 'ok', None, report.summary())]
    last = service.last_report()
    assert (last['id'], last['by'], last['deleted'], last['stopped']) == (report.id, 'ada', 1, 1)
    assert last['finished_at'] >= last['started_at']
    assert store.kv.get('retention.run') is None and store.kv.get('retention.progress') is None
    assert not service.running and service.current is None


async def test_a_session_deleted_by_someone_else_meanwhile_is_skipped_and_forgotten(server):
    ids = seed(server, 2)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    planned = [item.session_id for item in await service.plan()]
    with httpx.Client(base_url=server.url, headers={'Authorization': f'Bearer {TOKEN}'}) as client:
        def delete_the_next(report) -> None:
            if report.deleted == 1 and report.skipped == 0:
                client.delete(f'/sessions/{planned[1]}/delete')
        report = await service.run('ada', on_progress=delete_the_next)
    assert (report.deleted, report.skipped, report.failed) == (1, 1, [])
    assert store.sessions.get(planned[1]) is None


async def test_a_failing_delete_is_reported_and_a_refused_one_is_left_for_the_next_run(server):
    ids = seed(server, 1)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    with httpx.Client(base_url=server.url) as control:
        control.post('/_sim/faults', json={'status_burst': {'route': 'delete', 'status': 503, 'count': 1}})
        report = await service.run('ada')
        assert (report.deleted, len(report.failed)) == (0, 1) and report.failed[0][0] == ids[0]
        assert 'AoD failed to delete session (503' in report.failed[0][1]
        entries = store.audit.query(action='retention delete')
        assert (entries[0].outcome, entries[0].session_id) == ('error', ids[0])
        assert store.audit.query(action='retention')[0].outcome == 'error'
        control.post('/_sim/faults', json={'status_burst': {'route': 'delete', 'status': 409, 'count': 1}})
        report = await service.run('ada')
        assert (report.deleted, report.deferred, report.failed) == (0, 1, [])
        control.post('/_sim/faults', json={})
    assert alive(server, ids) == set(ids) and store.sessions.get(ids[0]) is not None
    assert (await service.run('ada')).deleted == 1


async def test_a_pin_made_while_aod_is_asked_about_the_session_counts(server):
    ids = seed(server, 1)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    gets = httpx.get(f'{server.url}/_sim/stats').json()['requests'].get('get', 0)
    with httpx.Client(base_url=server.url) as control:
        control.post('/_sim/faults', json={'delay_seconds': 0.5})  # every answer from AoD takes half a second
        try:
            task = asyncio.get_running_loop().create_task(service.run('ada'))
            while control.get('/_sim/stats').json()['requests'].get('get', 0) == gets:
                await asyncio.sleep(0.01)
            store.sessions.set_pinned(ids[0], True)  # the run is waiting for AoD's answer about this session
            report = await task
        finally:
            control.post('/_sim/faults', json={})
    assert (report.deleted, report.skipped) == (0, 1)
    assert alive(server, ids) == set(ids)


async def test_a_second_run_is_refused_while_one_is_under_way(server):
    ids = seed(server, 1)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    with httpx.Client(base_url=server.url) as control:
        control.post('/_sim/faults', json={'delay_seconds': 0.3})
        try:
            task = asyncio.get_running_loop().create_task(service.run('ada'))
            while service.current is None:
                await asyncio.sleep(0.01)
            started = datetime.fromtimestamp(service.current.started_at).strftime('%H:%M:%S')
            with pytest.raises(ActionError) as refusal:
                await service.run('bob')
            assert str(refusal.value) == (f'A retention run is already under way (started by ada at {started}); '
                                          'wait for it to finish.')
            assert service.running
            await task
        finally:
            control.post('/_sim/faults', json={})
    assert not service.running and service.current is None


def test_only_admins_may_see_or_run_the_policy():
    from aod_ui.errors import NotAllowed
    from aod_ui.services import Actor
    for actor in (None, Actor('max', 'member'), Actor('vic', 'viewer')):
        with pytest.raises(NotAllowed) as refused:
            RetentionService.authorize(actor)
        assert str(refused.value) == 'Only admins may see or run the retention policy.'
    ada = Actor('ada', 'admin')
    assert RetentionService.authorize(ada) is ada


def test_archive_limits_read_plainly():
    assert RetentionPolicy(archive_days=2.5).describe() == (
        'keep finished sessions (no age limit); never stop active sessions; remove archived copies 2.5 days after '
        'AoD deleted the session; pinned sessions are kept')
    assert RetentionPolicy(archive_days=2.5).enabled and RetentionPolicy(stuck_hours=1).enabled
    assert not RetentionPolicy(agent_days={'bug-fix': 0}).enabled


async def test_a_plan_titles_sessions_by_their_first_line_and_the_last_run_is_kept(server):
    ids = seed(server, 2)
    store = memory_store()
    store.sessions.add(SessionRecord(session_id=ids[0], agent_id=BUG_FIX, agent_name='', prompt='  ' + 'x' * 150
                                     + '\nsecond line', owner='olga'))
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    assert service.last_run() is None
    items = {item.session_id: item for item in await service.plan()}
    first, second = items[ids[0]], items[ids[1]]
    # without a name kept with the record, the agent is named as AoD's list last named it (here: by its id's start)
    assert (first.title, first.owner, first.agent) == ('x' * 100, 'olga', BUG_FIX[:8])
    assert (second.title, second.owner) == ('', '')
    with httpx.Client(base_url=server.url) as control:
        control.post('/_sim/faults', json={'status_burst': {'route': 'delete', 'status': 503, 'count': 1}})
        try:
            report = await service.run('ada')
        finally:
            control.post('/_sim/faults', json={})
    last = service.last_run()
    assert last == report and isinstance(last.failed[0], tuple)


async def test_a_run_started_in_the_background_refuses_a_second_start(server):
    from aod_ui.errors import NotAllowed
    from aod_ui.services import Actor
    ids = seed(server, 1)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    with pytest.raises(NotAllowed):
        service.start(Actor('max', 'member'))
    with httpx.Client(base_url=server.url) as control:
        control.post('/_sim/faults', json={'delay_seconds': 0.2})
        try:
            service.start(Actor('ada', 'admin'))
            while not service.running:
                await asyncio.sleep(0.01)
            with pytest.raises(ActionError) as refused:
                service.start(Actor('ada', 'admin'))
            assert str(refused.value) == 'A retention run is already under way.'
            while service.running:
                await asyncio.sleep(0.02)
        finally:
            control.post('/_sim/faults', json={})
    assert service.last_run().by == 'ada' and alive(server, ids) == set()


async def test_a_scheduled_run_finishes_a_cut_run_at_once_then_runs_on_its_interval(server, caplog):
    import logging
    ids = seed(server, 3)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    plan = await service.plan()
    store.kv.set('retention.run', {'id': 'cut', 'by': 'ada', 'started_at': 1.0,
                                   'items': [asdict(item) for item in plan[:1]]})
    store.kv.set('retention.progress', {'id': 'cut', 'next': 0})
    task = asyncio.get_running_loop().create_task(service.scheduled(0.2))
    try:
        while service.last_run() is None:
            await asyncio.sleep(0.01)
        first = service.last_run()
        assert (first.id, first.by, first.resumed, first.deleted) == ('cut', 'ada', True, 1)  # at once, the cut run
        with httpx.Client(base_url=server.url) as control, caplog.at_level(logging.ERROR):
            control.post('/_sim/faults', json={'status_burst': {'route': 'list', 'status': 500, 'count': 1}})
            async with asyncio.timeout(10):
                while not any(r.getMessage() == 'the scheduled retention run failed' for r in caplog.records):
                    await asyncio.sleep(0.02)  # the next turn fails; the schedule goes on
        while service.last_run().id == 'cut':
            await asyncio.sleep(0.02)
        assert (service.last_run().by, service.last_run().deleted) == ('retention', 2)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert alive(server, ids) == set()


def test_limits_under_a_day_or_an_hour_still_read_as_limits():
    assert RetentionPolicy(days=0.5, stuck_hours=0.5, archive_days=0.5).describe() == (
        'delete finished sessions after 0.5 days; stop and delete sessions still active after 0.5 hours; remove '
        'archived copies 0.5 days after AoD deleted the session; pinned sessions are kept')


async def test_a_plan_is_oldest_first_and_keeps_what_the_records_protect(server):
    older, newer = seed_one(server, 'completed', T0 - timedelta(days=1)), seed_one(server, 'completed', T0)
    pinned, review, untitled = (seed_one(server, 'completed', T0 - timedelta(days=2)) for _ in range(3))
    store = memory_store()
    recorded(store, [older, newer, pinned, untitled])
    store.sessions.set_pinned(pinned, True)
    store.sessions.update(untitled, prompt='   ')
    store.sessions.add(SessionRecord(session_id=review, agent_id=BUG_FIX, agent_name='code-review', prompt='p',
                                     owner='olga'))  # its agent's own limit (90 days) counts, by the name recorded
    service = await retention_for(server, store, [newer, older, pinned, review, untitled], T0 + timedelta(days=40))
    plan = await service.plan()
    assert [item.session_id for item in plan] == [untitled, older, newer]
    assert plan[0].title == ''


class Seconds:
    """A stopwatch that moves only when the code under test sleeps, and remembers each sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def test_a_run_paces_its_calls_to_aod_at_its_rate(server):
    ids = seed(server, 2)
    store = memory_store()
    recorded(store, ids)
    seconds = Seconds()
    service = await retention_for(server, store, ids, T0 + timedelta(days=40), rate=4, timer=seconds,
                                  sleep=seconds.sleep)
    report = await service.run('ada')
    assert report.deleted == 2 and alive(server, ids) == set()
    # a read and a delete for each session; the first call goes at once, each later one a quarter second after
    assert seconds.sleeps == [0.25, 0.25, 0.25]


async def test_a_session_that_has_not_stopped_by_the_stop_wait_is_left_for_the_next_run(server):
    session_id = seed_one(server, 'running', T0)
    store = memory_store()
    recorded(store, [session_id])
    seconds = Seconds()
    impatient = await retention_for(server, store, [session_id], T0 + timedelta(hours=13), stop_wait=0,
                                     timer=seconds, sleep=seconds.sleep)
    report = await impatient.run('ada')
    assert (report.stopped, report.deferred, report.deleted) == (1, 1, 0)
    assert alive(server, [session_id]) == {session_id} and store.sessions.get(session_id) is not None
    # stopped now, it is deleted once it is old enough as a finished session
    patient = await retention_for(server, store, [session_id], datetime.now(UTC) + timedelta(days=31))
    assert (await patient.run('ada')).deleted == 1


async def test_a_stopped_session_is_read_again_until_it_is_no_longer_active(server):
    session_id = seed_one(server, 'running', T0)
    store = memory_store()
    recorded(store, [session_id])
    seconds = Seconds()
    service = await retention_for(server, store, [session_id], T0 + timedelta(hours=13), rate=1, stop_wait=30,
                                  timer=seconds, sleep=seconds.sleep)
    report = await service.run('ada')
    assert (report.stopped, report.deferred, report.deleted) == (1, 0, 1)
    # read, terminate, read again (AoD answers terminate with the session terminated), delete: a second apart
    assert seconds.sleeps == [1, 1, 1]


async def test_a_scheduled_run_finishes_a_cut_run_without_waiting_for_its_interval(server):
    ids = seed(server, 1)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    store.kv.set('retention.run', {'id': 'cut', 'by': 'ada', 'started_at': 1.0,
                                   'items': [asdict(item) for item in await service.plan()]})
    store.kv.set('retention.progress', {'id': 'cut', 'next': 0})
    task = asyncio.get_running_loop().create_task(service.scheduled(3600))
    try:
        async with asyncio.timeout(10):
            while service.last_run() is None:
                await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert (service.last_run().id, service.last_run().deleted) == ('cut', 1) and alive(server, ids) == set()


async def test_a_session_still_active_after_its_stop_is_read_again_at_the_pace_until_the_stop_wait_ends(server):
    session_id = seed_one(server, 'running', T0)
    store = memory_store()
    recorded(store, [session_id])
    seconds = Seconds()
    core.loop = asyncio.get_running_loop()
    upstreams = Upstreams(Upstream(server.url, TOKEN, timeout=30), store=store)
    sessions = SessionService(upstreams, store, HubRegistry(upstreams.for_session))

    async def this() -> list[SessionInfo]:
        return [i for i in await sessions.aod_sessions(fresh=True) if i.id == session_id]
    # the default pace (five calls a second) and stop wait (30 seconds), on the stopwatch
    service = RetentionService(store, upstreams, this, sessions.agent_name, policy=POLICY,
                               clock=lambda: T0 + timedelta(hours=13), timer=seconds, sleep=seconds.sleep)
    with httpx.Client(base_url=server.url) as control:
        # AoD says the session is terminated already, yet it reads as running: the run waits, then leaves it
        control.post('/_sim/faults', json={'status_burst': {'route': 'terminate', 'status': 409, 'count': 1}})
        try:
            gets = httpx.get(f'{server.url}/_sim/stats').json()['requests'].get('get', 0)
            report = await service.run('ada')
            reads = httpx.get(f'{server.url}/_sim/stats').json()['requests'].get('get', 0) - gets
        finally:
            control.post('/_sim/faults', json={})
    assert (report.stopped, report.deferred, report.deleted, report.failed) == (1, 1, 0, [])
    assert alive(server, [session_id]) == {session_id} and store.sessions.get(session_id) is not None
    # a fifth of a second before the stop and before the first read again, then a read every fifth of a second (the
    # pause between reads already spaces them at the pace) until the 30 seconds of the stop wait are over
    assert seconds.sleeps == pytest.approx([0.2] * 151) and reads == 1 + 149
    assert seconds.now == pytest.approx(1000 + 0.2 + 30)


@pytest.mark.parametrize('progress', [{'id': 'cut', 'next': 1}, {'id': 'other', 'next': 0}, None])
async def test_a_kept_plan_that_was_finished_or_is_not_the_progress_s_own_is_not_resumed(server, progress):
    ids = seed(server, 2)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    store.kv.set('retention.run', {'id': 'cut', 'by': 'bob', 'started_at': 1.0,
                                   'items': [asdict(item) for item in (await service.plan())[:1]]})
    if progress is not None:
        store.kv.set('retention.progress', progress)
    report = await service.run('ada')
    assert (report.resumed, report.by, report.planned, report.deleted) == (False, 'ada', 2, 2)
    assert report.id != 'cut' and alive(server, ids) == set()


async def test_a_delete_aod_answers_with_not_found_counts_as_deleted_and_the_run_is_logged(server, caplog):
    import logging
    ids = seed(server, 1)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    with httpx.Client(base_url=server.url) as control, caplog.at_level(logging.INFO, 'aod_ui.services._retention'):
        control.post('/_sim/faults', json={'status_burst': {'route': 'delete', 'status': 404, 'count': 1}})
        try:
            report = await service.run('ada')
        finally:
            control.post('/_sim/faults', json={})
    assert (report.deleted, report.skipped, report.failed) == (1, 0, [])  # gone already: what the run wanted
    assert store.sessions.get(ids[0]) is None
    assert [(e.action, e.outcome) for e in reversed(store.audit.query())] == [('retention delete', 'ok'),
                                                                              ('retention', 'ok')]
    assert [r.getMessage() for r in caplog.records] == [f'retention run {report.id}: {report.summary()}']


async def test_a_second_run_asked_for_while_the_first_still_plans_is_refused_without_a_start(server):
    ids = seed(server, 1)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    with httpx.Client(base_url=server.url) as control:
        control.post('/_sim/faults', json={'delay_seconds': 0.3})  # AoD's list, which the plan reads, is slow
        try:
            task = asyncio.get_running_loop().create_task(service.run('ada'))
            while not service.running:
                await asyncio.sleep(0.01)
            assert service.current is None  # still planning
            with pytest.raises(ActionError) as refusal:
                await service.run('bob')
            assert str(refusal.value) == ('A retention run is already under way (started by ? at ?); wait for it to '
                                          'finish.')
            await task
        finally:
            control.post('/_sim/faults', json={})


async def test_the_kept_report_of_the_last_run_holds_at_most_50_failures(server):
    ids = seed(server, 51)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    with httpx.Client(base_url=server.url) as control:
        control.post('/_sim/faults', json={'status_burst': {'route': 'delete', 'status': 503, 'count': 51}})
        try:
            report = await service.run('ada')
        finally:
            control.post('/_sim/faults', json={})
    assert len(report.failed) == 51 and report.summary().endswith('51 failed')
    last = service.last_run()
    assert last.failed == report.failed[:50] and last.summary().endswith('50 failed')


async def test_a_kept_progress_that_lost_its_position_stops_the_run_instead_of_guessing_one(server):
    ids = seed(server, 1)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    store.kv.set('retention.run', {'id': 'cut', 'by': 'bob', 'started_at': 1.0,
                                   'items': [asdict(item) for item in await service.plan()]})
    store.kv.set('retention.progress', {'id': 'cut'})  # damaged: the position is missing
    with pytest.raises(KeyError):
        await service.run('ada')
    assert alive(server, ids) == set(ids) and not service.running and service.last_run() is None


async def test_a_run_writes_its_position_before_the_first_session_and_after_each_one(server):
    ids = seed(server, 2)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    positions = []
    with httpx.Client(base_url=server.url) as control:
        control.post('/_sim/faults', json={'delay_seconds': 0.2})
        try:
            task = asyncio.get_running_loop().create_task(service.run(
                'ada', on_progress=lambda report: positions.append(store.kv.get('retention.progress'))))
            while service.current is None:
                await asyncio.sleep(0.01)
            current = service.current
            assert store.kv.get('retention.progress') == {'id': current.id, 'next': 0}  # before the first session
            assert store.kv.get('retention.run')['id'] == current.id and current.applied is True
            assert len(current.id) == 12 and int(current.id, 16) >= 0
            report = await task
        finally:
            control.post('/_sim/faults', json={})
    assert positions == [{'id': report.id, 'next': 1}, {'id': report.id, 'next': 2}]


async def test_a_resumed_run_keeps_its_start_and_is_applied(server):
    ids = seed(server, 1)
    store = memory_store()
    recorded(store, ids)
    service = await retention_for(server, store, ids, T0 + timedelta(days=40))
    store.kv.set('retention.run', {'id': 'cut', 'by': 'bob', 'started_at': 1.0,
                                   'items': [asdict(item) for item in await service.plan()]})
    store.kv.set('retention.progress', {'id': 'cut', 'next': 0})
    report = await service.run('ada')
    assert (report.resumed, report.started_at, report.applied, report.deleted) == (True, 1.0, True, 1)
