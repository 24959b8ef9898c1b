"""The `/_sim/` control API and its Python handle: seeding, stats, token revocation, faults."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import aod
import httpx
import pytest

from aod_ui.simulator import SimulatorServer

from .support import CODE_REVIEW, CODEX, OTHER_TOKEN, REVOKE_TOKEN, TOKEN, collect, make_server, row_ids

SEED_TOKEN = 'aod_seeded_owner'


@pytest.fixture
def control(sim: SimulatorServer) -> Iterator[httpx.Client]:
    """Plain httpx on the control API; faults are cleared afterwards."""
    with httpx.Client(base_url=sim.url, timeout=30) as plain:
        yield plain
        plain.post('/_sim/faults', json={})


def test_seed_thousands_of_old_sessions_in_one_request(control: httpx.Client, sim: SimulatorServer) -> None:
    control.post(f'/_sim/tokens/{SEED_TOKEN}')
    start = datetime(2024, 1, 1, tzinfo=UTC)
    statuses = ['completed', 'failed', 'terminated']
    batch = [{'token': SEED_TOKEN, 'status': statuses[n % 3], 'created_at': (start + timedelta(hours=n)).isoformat(),
              'prompt': f'old job {n}'} for n in range(3000)]
    answer = control.post('/_sim/sessions', json=batch)
    assert answer.status_code == 201
    assert len(answer.json()['data']) == 3000
    with aod.Client(base_url=sim.url, token=SEED_TOKEN) as owner:
        listed = owner.sessions.list()
        assert len(listed) == 3000
        assert listed[0].created_at == start + timedelta(hours=2999)
        assert listed[-1].created_at == start
        assert {s.status for s in listed} == set(statuses)
        assert all(s.updated_at > s.created_at for s in listed)


def test_seeded_logs_replay_and_close(sim: SimulatorServer, client: aod.Client) -> None:
    old = datetime.now(UTC) - timedelta(days=90)
    completed = sim.seed_session(token=TOKEN, status='completed', created_at=old, turns=['first', 'second'])
    events = collect(client, completed.id)
    assert events[-1].type == 'exit' and events[-1].extra['code'] == 0
    assert [e.extra['turn'] for e in events if e.type == 'turn_start'] == [1, 2]
    turns = client.sessions.turns(completed.id)
    assert [(t.prompt, t.status) for t in turns] == [('first', 'completed'), ('second', 'completed')]
    assert client.sessions.get(completed.id).created_at == old

    failed = sim.seed_session(token=TOKEN, status='failed', created_at=old.timestamp())
    assert collect(client, failed.id)[-1].extra == {'message': 'Session failed'}
    exited = sim.seed_session(token=TOKEN, status='failed', exit_code=3, agent_id=CODEX)
    assert collect(client, exited.id)[-1].extra == {'code': 3}
    assert client.sessions.get(exited.id).exit_code == 3
    terminated = sim.seed_session(token=TOKEN, status='terminated')
    assert collect(client, terminated.id)[-1].type == 'terminated'

    stuck = sim.seed_session(token=TOKEN, status='pending')
    assert client.sessions.get(stuck.id).status == 'pending'
    assert client.sessions.turns(stuck.id)[0].status == 'pending'
    with pytest.raises(aod.ConflictError):
        client.sessions.delete(stuck.id)
    client.sessions.terminate(stuck.id)
    client.sessions.delete(stuck.id)


def test_seed_rejects_bad_fields(control: httpx.Client) -> None:
    assert control.post('/_sim/sessions', json={'status': 'sleeping'}).status_code == 422
    assert control.post('/_sim/sessions', json={'colour': 'red'}).status_code == 422
    assert control.post('/_sim/sessions', json={'created_at': 'yesterday'}).status_code == 422
    assert control.post('/_sim/sessions', json={'agent_id': 'nope'}).status_code == 404


def test_stats_count_streams_and_requests(control: httpx.Client, client: aod.Client) -> None:
    before = control.get('/_sim/stats').json()
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='scenario: long')
    with client.sessions.stream(ack.id) as events:
        next(events)
        during = control.get('/_sim/stats').json()
        assert during['open_streams'] == before['open_streams'] + 1
        assert during['streams_opened'] == before['streams_opened'] + 1
    client.sessions.terminate(ack.id)
    client.sessions.get(ack.id)
    deadline = time.monotonic() + 5
    while control.get('/_sim/stats').json()['open_streams'] != before['open_streams']:
        assert time.monotonic() < deadline, 'the closed stream is still counted'
        time.sleep(0.01)
    after = control.get('/_sim/stats').json()['requests']
    for route in ('create', 'stream', 'terminate', 'get'):
        assert after[route] >= before['requests'].get(route, 0) + 1


def test_revoked_token_gets_401(control: httpx.Client, sim: SimulatorServer) -> None:
    with aod.Client(base_url=sim.url, token=REVOKE_TOKEN) as owner:
        assert owner.sessions.list() == []
        assert control.post(f'/_sim/tokens/{REVOKE_TOKEN}/revoke').json() == {'detail': 'Token revoked'}
        with pytest.raises(aod.AuthError):
            owner.sessions.list()
        control.post(f'/_sim/tokens/{REVOKE_TOKEN}')
        assert owner.sessions.list() == []
    with aod.Client(base_url=sim.url, token=OTHER_TOKEN) as other:
        other.sessions.list()  # other tokens are untouched


def test_fault_drop_stream_after_events(control: httpx.Client, client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='Review')
    assert control.post('/_sim/faults', json={'drop_stream_after_events': 5}).status_code == 200
    cut = collect(client, ack.id)
    assert len(row_ids(cut)) == 5
    assert cut[-1].type in ('stage', 'output')  # no terminal event: the connection just ends
    resumed = collect(client, ack.id, since=row_ids(cut)[-1])
    assert len(row_ids(resumed)) == 5
    control.post('/_sim/faults', json={})
    assert row_ids(cut) + row_ids(resumed) == row_ids(collect(client, ack.id))[:10]


def test_fault_status_burst(control: httpx.Client, client: aod.Client) -> None:
    control.post('/_sim/faults', json={'status_burst': {'route': 'list', 'status': 503, 'count': 3}})
    for _ in range(3):
        with pytest.raises(aod.ServerError) as caught:
            client.sessions.list()
        assert caught.value.status_code == 503
    client.sessions.list()
    control.post('/_sim/faults', json={'status_burst': {'route': 'health', 'status': 503, 'count': 1}})
    with pytest.raises(aod.ServerError):
        client.health()
    assert client.health()['status'] == 'ok'


def test_fault_html_page_of_a_proxy(control: httpx.Client, client: aod.Client, http: httpx.Client) -> None:
    burst = {'route': '*', 'status': 502, 'count': 2, 'html': True}
    control.post('/_sim/faults', json={'status_burst': burst})
    assert control.get('/_sim/faults').json()['status_burst'] == burst
    answer = http.get('/sessions')
    assert answer.status_code == 502 and answer.headers['content-type'].startswith('text/html')
    assert '<h1>502 Bad Gateway</h1>' in answer.text and 'detail' not in answer.text
    with pytest.raises(aod.ServerError) as caught:
        client.sessions.list()
    assert caught.value.status_code == 502 and '<html>' in caught.value.detail
    client.sessions.list()


def test_fault_delay(control: httpx.Client, client: aod.Client) -> None:
    control.post('/_sim/faults', json={'delay_seconds': 0.2})
    assert control.get('/_sim/faults').json()['delay_seconds'] == 0.2
    started = time.monotonic()
    client.agents.list()
    assert time.monotonic() - started >= 0.2
    control.post('/_sim/faults', json={})
    started = time.monotonic()
    control.get('/_sim/stats')  # the control API itself is never delayed
    client.agents.list()
    assert time.monotonic() - started < 0.2


@pytest.mark.parametrize('body', [{'drop_stream_after_events': 0}, {'status_burst': {'route': 1}},
                                  {'status_burst': {'route': 'list', 'status': 502, 'html': 'yes'}},
                                  {'delay_seconds': -1}, {'explode': True}, [1]])
def test_bad_faults_are_422(control: httpx.Client, body: object) -> None:
    assert control.post('/_sim/faults', json=body).status_code == 422


def test_python_handle() -> None:
    server = make_server(tokens=('aod_a', 'aod_b'))
    try:
        with aod.Client(base_url=server.url, token='aod_a') as client:
            server.set_faults(status_burst={'route': 'agents', 'status': 502, 'count': 1})
            with pytest.raises(aod.ServerError):
                client.agents.list()
            server.set_faults()
            client.agents.list()
            assert server.stats()['requests']['agents'] == 2
            server.revoke_token('aod_a')
            with pytest.raises(aod.AuthError):
                client.agents.list()
        assert server.state.owner_for('aod_b') == 'aod_b'
    finally:
        server.stop_thread()


def test_control_api_is_off_by_default() -> None:
    server = make_server()
    try:
        assert httpx.get(f'{server.url}/_sim/stats').status_code == 404
        assert httpx.post(f'{server.url}/_sim/faults', json={}).status_code == 404
    finally:
        server.stop_thread()
