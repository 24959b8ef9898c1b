"""The adapter over real HTTP against the simulator: every read and action sends what AoD needs and reads what it
answers, streams resume with the cursor, each failure reads as a sentence naming what was being done, and the
health record follows what the calls learn."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest

from aod_ui.errors import UpstreamError
from aod_ui.simulator import SimulatorConfig, SimulatorServer, environment_id
from aod_ui.upstream import Upstream

from ..helpers import BUG_FIX, CODE_REVIEW, CODEX, DASHBOARD_TOKEN

NODE = environment_id('node-22')
PYTHON = environment_id('python-3.12')
REPO = {'type': 'github_repository', 'url': 'https://github.com/example/widgets', 'mount_path': '/workspace/widgets'}


@pytest.fixture(scope='module')
def sim() -> Iterator[SimulatorServer]:
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(DASHBOARD_TOKEN,), time_scale=0.02, seed=6,
                                             control=True, heartbeat=1.0, max_active=50)).start_in_thread()
    yield server
    server.stop_thread()


@pytest.fixture
async def upstream(sim: SimulatorServer) -> AsyncIterator[Upstream]:
    client = Upstream(sim.url + '/', DASHBOARD_TOKEN, timeout=10)
    yield client
    await client.aclose()
    sim.set_faults()


async def events_of(upstream: Upstream, session_id: str, since: int | None = None) -> list:
    async with contextlib.aclosing(upstream.stream(session_id, since=since)) as events:
        return [event async for event in events]


# -- reads and actions ------------------------------------------------------------------------------------------

async def test_the_catalog_is_read_with_names_models_and_environments(upstream: Upstream) -> None:
    agents = {agent.name: agent for agent in await upstream.list_agents()}
    assert {'code-review', 'bug-fix', 'codex-refactor'} <= set(agents)
    review = agents['code-review']
    assert (review.id, review.model, review.environment_id) == (CODE_REVIEW, 'claude-sonnet-4-5', PYTHON)
    one = await upstream.get_agent(CODEX)
    assert (one.name, one.model, one.runtime_family) == ('codex-refactor', 'gpt-5-codex', 'openai')
    environments = {environment.name: environment for environment in await upstream.list_environments()}
    assert environments['node-22'].id == NODE and not environments['node-22'].archived
    assert environments['minimal'].name == 'minimal'


async def test_health_is_read_and_recorded(upstream: Upstream, sim: SimulatorServer) -> None:
    assert upstream.status.reachable is None and upstream.status.last_ok_at is None
    answer = await upstream.health()
    assert answer['status'] == 'ok'
    assert upstream.status.reachable is True
    assert upstream.status.last_ok_at is not None
    # a loopback round trip takes well under a second and more than nothing: milliseconds, not seconds
    assert 0 < upstream.status.last_latency_ms < 1000
    sim.set_faults(delay_seconds=0.25)
    await upstream.health()
    assert 250 <= upstream.status.last_latency_ms < 5000


async def test_a_launch_sends_every_choice(upstream: Upstream, sim: SimulatorServer) -> None:
    ack = await upstream.create_session(agent_id=BUG_FIX, prompt='Fix the login bug', timeout=900,
                                        environment_id=NODE, resources=[REPO], secret_env_vars={'NPM_TOKEN': 'n1'})
    assert ack.status in {'pending', 'running'} and ack.current_turn == 1
    started = sim.state.sessions[ack.id]
    assert (started.agent.id, started.environment_id, started.resources, started.secret_env_vars) == \
        (BUG_FIX, NODE, [REPO], {'NPM_TOKEN': 'n1'})
    assert (started.turns[0].prompt, started.turns[0].timeout) == ('Fix the login bug', 900)
    assert (await upstream.get_session(ack.id)).agent_id == BUG_FIX


async def test_a_launch_without_choices_takes_the_agents_defaults(upstream: Upstream, sim: SimulatorServer) -> None:
    ack = await upstream.create_session(agent_id=CODE_REVIEW, prompt='Review main', timeout=None,
                                        environment_id=None, resources=[], secret_env_vars={})
    started = sim.state.sessions[ack.id]
    assert (started.environment_id, started.resources, started.secret_env_vars) == (PYTHON, [], {})
    assert started.turns[0].timeout == 600  # AoD's own default


async def test_a_follow_up_sends_its_prompt_and_timeout(upstream: Upstream, sim: SimulatorServer) -> None:
    seeded = sim.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='completed')
    ack = await upstream.prompt(seeded.id, 'Now the tests too', timeout=300)
    assert (ack.id, ack.current_turn) == (seeded.id, 2)
    turn = sim.state.sessions[seeded.id].turns[1]
    assert (turn.prompt, turn.timeout) == ('Now the tests too', 300)


async def test_stop_and_delete_reach_the_named_session(upstream: Upstream, sim: SimulatorServer) -> None:
    running = sim.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='running')
    other = sim.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='completed')
    ack = await upstream.terminate(running.id)
    assert (ack.id, ack.status) == (running.id, 'terminated')
    await upstream.delete(other.id)
    with pytest.raises(UpstreamError) as gone:
        await upstream.get_session(other.id)
    assert (gone.value.kind, gone.value.status, gone.value.message) == ('not_found', 404, 'Session not found')
    assert (await upstream.get_session(running.id)).status == 'terminated'
    turns = await upstream.turns(running.id)
    assert [turn.turn_number for turn in turns] == [1]


# -- the stream -------------------------------------------------------------------------------------------------

async def test_a_stream_resumes_after_its_cursor_with_header_and_query(upstream: Upstream,
                                                                       sim: SimulatorServer) -> None:
    seeded = sim.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='completed')
    before = dict(sim.stats()['stream_cursors'])
    everything = await events_of(upstream, seeded.id)
    cursors = [event.cursor for event in everything if event.cursor is not None]
    assert len(cursors) >= 3
    middle = cursors[len(cursors) // 2]
    rest = await events_of(upstream, seeded.id, since=middle)
    assert [e.cursor for e in rest if e.cursor is not None] == [c for c in cursors if c > middle]
    after = sim.stats()['stream_cursors']
    assert after.get('none', 0) == before.get('none', 0) + 1  # the first read gave no cursor
    assert after.get('both', 0) == before.get('both', 0) + 1  # the resume gave it as header and query, the same
    assert after.get('mismatch', 0) == before.get('mismatch', 0)
    assert upstream.status.reachable is True


async def test_a_stream_of_cursor_zero_still_sends_the_cursor(upstream: Upstream, sim: SimulatorServer) -> None:
    seeded = sim.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='completed')
    before = sim.stats()['stream_cursors'].get('both', 0)
    assert await events_of(upstream, seeded.id, since=0)
    assert sim.stats()['stream_cursors'].get('both', 0) == before + 1


async def test_a_stream_refused_reads_as_the_failure_it_is(upstream: Upstream, sim: SimulatorServer) -> None:
    with pytest.raises(UpstreamError) as missing:
        await events_of(upstream, '00000000-0000-0000-0000-000000000000')
    assert (missing.value.kind, missing.value.status, missing.value.message) == \
        ('not_found', 404, 'Session not found')
    seeded = sim.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='completed')
    sim.set_faults(status_burst={'route': 'stream', 'status': 503, 'count': 1})
    with pytest.raises(UpstreamError) as failed:
        await events_of(upstream, seeded.id)
    assert failed.value.message == ('AoD failed to follow the stream (503: Simulated fault (503)). Try again in a '
                                    'moment; if it keeps failing, check the AoD server.')
    assert (failed.value.kind, failed.value.status, failed.value.detail) == ('server', 503, 'Simulated fault (503)')
    sim.set_faults(status_burst={'route': 'stream', 'status': 400, 'count': 1})
    with pytest.raises(UpstreamError) as rejected:
        await events_of(upstream, seeded.id)
    assert rejected.value.message == 'AoD rejected the request to follow the stream: Simulated fault (400).'
    sim.set_faults(status_burst={'route': 'stream', 'status': 500, 'count': 1, 'html': True})
    with pytest.raises(UpstreamError) as page:
        await events_of(upstream, seeded.id)
    assert (page.value.kind, page.value.status, page.value.detail) == ('server', 500, None)
    assert page.value.message == ('AoD (or a proxy in front of it) answered 500 with an HTML page instead of AoD\'s '
                                  'own answer while trying to follow the stream. Try again in a moment; if it keeps '
                                  'failing, check AoD and the proxy in front of it.')


async def test_a_stream_waits_longer_than_an_ordinary_call(sim: SimulatorServer) -> None:
    """A stream may stay quiet between events for longer than a call may take; each has its own limit."""
    seeded = sim.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='completed')
    patient = Upstream(sim.url, DASHBOARD_TOKEN, timeout=0.3, stream_read_timeout=5.0)
    hasty = Upstream(sim.url, DASHBOARD_TOKEN, timeout=5.0, stream_read_timeout=0.3)
    sim.set_faults(delay_seconds=0.8)
    try:
        with pytest.raises(UpstreamError) as slow:
            await patient.get_session(seeded.id)
        assert slow.value.kind == 'timeout'
        assert slow.value.message == (f'AoD at {sim.url} did not answer in time while trying to get session. It may '
                                      'be overloaded; try again in a moment.')
        assert await events_of(patient, seeded.id)
        assert (await hasty.get_session(seeded.id)).id == seeded.id
        with pytest.raises(UpstreamError) as quiet:
            await events_of(hasty, seeded.id)
        assert quiet.value.kind == 'timeout' and 'while trying to follow the stream' in quiet.value.message
        assert hasty.status.reachable is False
    finally:
        sim.set_faults()
        await patient.aclose()
        await hasty.aclose()


# -- failures, word for word ------------------------------------------------------------------------------------

@pytest.mark.parametrize(('route', 'what'), [
    ('list', 'list sessions'), ('get', 'get session'), ('turns', 'list turns'), ('agents', 'list agents'),
    ('agent', 'get agent'), ('environments', 'list environments'), ('create', 'start session'),
    ('prompt', 'send follow-up'), ('terminate', 'stop session'), ('delete', 'delete session'), ('health', 'health'),
])
async def test_each_failure_names_what_was_being_done(upstream: Upstream, sim: SimulatorServer, route: str,
                                                      what: str) -> None:
    seeded = sim.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='completed')
    calls = {
        'list': upstream.list_sessions, 'get': lambda: upstream.get_session(seeded.id),
        'turns': lambda: upstream.turns(seeded.id), 'agents': upstream.list_agents,
        'agent': lambda: upstream.get_agent(CODEX), 'environments': upstream.list_environments,
        'create': lambda: upstream.create_session(agent_id=CODEX, prompt='x'),
        'prompt': lambda: upstream.prompt(seeded.id, 'again'), 'terminate': lambda: upstream.terminate(seeded.id),
        'delete': lambda: upstream.delete(seeded.id), 'health': upstream.health,
    }
    sim.set_faults(status_burst={'route': route, 'status': 500, 'count': 1})
    with pytest.raises(UpstreamError) as caught:
        await calls[route]()
    message = (f'AoD failed to {what} (500: Simulated fault (500)). Try again in a moment; if it keeps failing, '
               'check the AoD server.')
    assert (caught.value.kind, caught.value.status, caught.value.detail, caught.value.message, str(caught.value)) \
        == ('server', 500, 'Simulated fault (500)', message, message)
    assert upstream.status.last_error == message and upstream.status.last_error_kind == 'server'
    assert upstream.recent_errors[-1][1:] == ('server', message)
    await calls[route]()  # the burst is over: the same call works, and AoD reads as reachable again
    assert upstream.status.reachable is True


async def test_a_refused_token_names_whose_token_and_who_must_act(sim: SimulatorServer) -> None:
    shared = Upstream(sim.url, 'aod_not_a_token_the_server_knows_000000', timeout=5)
    personal = Upstream(sim.url, 'aod_not_a_token_the_server_knows_000001', timeout=5)
    personal.owner = 'ada'
    refused = []
    personal.on_auth_error = lambda: refused.append('ada')
    try:
        with pytest.raises(UpstreamError) as caught:
            await shared.list_sessions()
        assert (caught.value.kind, caught.value.status, caught.value.detail) == \
            ('auth', 401, 'Invalid or inactive API key.')
        assert caught.value.message == ("AoD refused the dashboard's token (401) while trying to list sessions. "
                                        'An administrator must check AOD_API_TOKEN.')
        with pytest.raises(UpstreamError) as caught:
            await personal.get_agent(CODEX)
        assert (caught.value.kind, caught.value.status, caught.value.detail) == \
            ('auth', 401, 'Invalid or inactive API key.')
        assert caught.value.message == ('AoD refused the personal token of ada (401) while trying to get agent. '
                                        'An admin must set a new one.')
        assert refused == ['ada']
        assert personal.status.reachable is True  # AoD answered; it refused
        assert personal.status.last_error_kind == 'auth'
    finally:
        await shared.aclose()
        await personal.aclose()


async def test_refusals_about_one_request_are_not_recorded_as_aod_trouble(upstream: Upstream,
                                                                          sim: SimulatorServer) -> None:
    running = sim.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='running')
    with pytest.raises(UpstreamError) as conflict:
        await upstream.prompt(running.id, 'again')
    assert (conflict.value.kind, conflict.value.status, conflict.value.message, conflict.value.detail) == \
        ('conflict', 409, 'Session is already running', 'Session is already running')
    with pytest.raises(UpstreamError) as invalid:
        await upstream.create_session(agent_id=CODEX, prompt='x', timeout=1,
                                      resources=[{'type': 'gitlab', 'url': 'https://gitlab.example/x'}])
    assert invalid.value.kind == 'invalid' and invalid.value.status == 422
    assert invalid.value.message == ('AoD rejected the request to start session: timeout: Input should be greater '
                                     "than or equal to 10; resources.0.type: Input should be 'github_repository'.")
    assert invalid.value.detail == ("timeout: Input should be greater than or equal to 10; resources.0.type: Input "
                                    "should be 'github_repository'")
    with pytest.raises(UpstreamError) as missing:
        await upstream.get_agent('00000000-0000-0000-0000-000000000000')
    assert (missing.value.kind, missing.value.message, missing.value.detail) == \
        ('not_found', 'Agent not found', 'Agent not found')
    assert upstream.status.last_error is None and not upstream.recent_errors


async def test_the_concurrent_session_limit_is_told_with_its_numbers(sim: SimulatorServer) -> None:
    tight = SimulatorServer(SimulatorConfig(port=0, tokens=(DASHBOARD_TOKEN,), time_scale=0.02, seed=7,
                                            control=True, max_active=1)).start_in_thread()
    upstream = Upstream(tight.url, DASHBOARD_TOKEN, timeout=5)
    try:
        tight.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='running')
        with pytest.raises(UpstreamError) as caught:
            await upstream.create_session(agent_id=CODEX, prompt='one more')
        error = caught.value
        assert (error.kind, error.status, error.limit, error.active) == ('rate_limited', 429, 1, 1)
        assert error.message == ('1 of 1 sessions are active, the most AoD allows. Stop a session that is no longer '
                                 'needed, then try again.')
        assert error.detail.startswith('Concurrent session limit reached (1/1).')
        assert (upstream.status.known_limit, upstream.status.last_active) == (1, 1)
        assert upstream.status.last_error is None  # a full AoD is not a failing one
    finally:
        await upstream.aclose()
        tight.stop_thread()


async def test_an_unreachable_aod_names_its_address_without_credentials() -> None:
    upstream = Upstream('http://ada:secret@127.0.0.1:9/aod/', DASHBOARD_TOKEN, timeout=2)
    try:
        assert upstream.base_url == 'http://ada:secret@127.0.0.1:9/aod'
        with pytest.raises(UpstreamError) as caught:
            await upstream.list_agents()
        assert caught.value.kind == 'unreachable'
        assert caught.value.message == ('AoD unreachable: the dashboard cannot connect to http://127.0.0.1:9/aod to '
                                        'list agents. Check that AoD is running and reachable.')
        assert upstream.status.reachable is False and upstream.status.last_error == caught.value.message
    finally:
        await upstream.aclose()


async def test_only_trailing_slashes_leave_the_address() -> None:
    upstream = Upstream('http://aod.example/AoDX//', DASHBOARD_TOKEN)
    assert (upstream.base_url, upstream.display_url) == ('http://aod.example/AoDX', 'http://aod.example/AoDX')
    await upstream.aclose()


async def test_the_recent_errors_keep_the_last_fifty(sim: SimulatorServer) -> None:
    upstream = Upstream('http://127.0.0.1:9', DASHBOARD_TOKEN, timeout=2)
    try:
        for number in range(53):
            with pytest.raises(UpstreamError):
                await upstream.get_session(f'session-{number}')
        assert len(upstream.recent_errors) == 50
    finally:
        await upstream.aclose()
