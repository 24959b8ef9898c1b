"""Session and turn statuses as the real server moves them: `pending` through provisioning until `runtime_start`,
`failed` without ever running when a stage fails, and what terminate does to the running turn."""

from __future__ import annotations

import time
from collections.abc import Iterator

import aod
import httpx
import pydantic
import pytest

from aod_ui.simulator import SimState, SimulatorServer

from .support import CODEX, TOKEN, make_server, wait_for

LONG = 'scenario: long'


@pytest.fixture(scope='module')
def slow() -> Iterator[SimulatorServer]:
    """Provisioning takes about a second here, long enough to watch it step by step."""
    server = make_server(time_scale=0.15, tokens=(TOKEN,))
    yield server
    server.stop_thread()


def snapshot(state: SimState, session_id: str) -> tuple[str, str, list[tuple[str, str]]]:
    """The session's and its turn's status and its stage rows so far, read in one step of the server's loop."""
    session = state.sessions[session_id]
    stages = [(row.payload['stage'], row.payload['state']) for row in session.rows if '"stage"' in row.sse]
    return session.status, session.turns[-1].status, stages


def watch(server: SimulatorServer, client: aod.Client, session_id: str, until: set[str]
          ) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """(status over HTTP, then a snapshot) until the status over HTTP is one of `until`."""
    seen = []
    deadline = time.monotonic() + 20
    while True:
        status = client.sessions.get(session_id).status
        seen.append((status, *server.call(snapshot, server.state, str(session_id))))
        if status in until:
            return seen
        assert time.monotonic() < deadline, f'stayed {status}'
        time.sleep(0.005)


def test_pending_through_provisioning_until_runtime_start(slow: SimulatorServer) -> None:
    with aod.Client(base_url=slow.url, token=TOKEN) as client:
        ack = client.sessions.create(agent_id=CODEX, prompt=LONG)
        seen = watch(slow, client, ack.id, {'running'})
        client.sessions.terminate(ack.id)
    for http_status, status, turn_status, stages in seen:
        started = ('runtime_start', 'started') in stages
        assert status == turn_status == ('running' if started else 'pending'), (status, stages)
        if not started:
            assert http_status == 'pending'  # read before the snapshot, which had no runtime_start yet
    assert any(len(stages) >= 3 and status == 'pending' for _, status, _, stages in seen), 'never saw provisioning'


def test_a_failed_stage_never_runs(slow: SimulatorServer) -> None:
    with aod.Client(base_url=slow.url, token=TOKEN) as client:
        ack = client.sessions.create(agent_id=CODEX, prompt='scenario: fail-provision\nstage: runtime_config')
        seen = watch(slow, client, ack.id, {'failed'})
        assert {http_status for http_status, *_ in seen} <= {'pending', 'failed'}
        assert {status for _, status, _, _ in seen} <= {'pending', 'failed'}
        assert seen[-1][3][-1] == ('runtime_config', 'failed')
        assert [turn.status for turn in client.sessions.turns(ack.id)] == ['failed']


def test_terminate_leaves_the_running_turn_as_it_was(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODEX, prompt=LONG)
    wait_for(client, ack.id, 'running')
    client.sessions.terminate(ack.id)
    turn = client.sessions.turns(ack.id)[0]
    assert (turn.status, turn.ended_at) == ('running', None)


@pytest.fixture(scope='module')
def newer() -> Iterator[SimulatorServer]:
    """Newer server code: terminate marks the running turn `interrupted`."""
    server = make_server(interrupted_turns=True, tokens=(TOKEN,), control=True)
    yield server
    server.stop_thread()


def test_newer_server_marks_a_terminated_turn_interrupted(newer: SimulatorServer) -> None:
    with httpx.Client(base_url=newer.url, headers={'Authorization': f'Bearer {TOKEN}'}, timeout=10) as http, \
            aod.Client(base_url=newer.url, token=TOKEN) as client:
        ack = client.sessions.create(agent_id=CODEX, prompt=LONG)
        wait_for(client, ack.id, 'running')
        client.sessions.terminate(ack.id)
        [turn] = http.get(f'/sessions/{ack.id}/turns').json()['data']
        assert turn['status'] == 'interrupted' and turn['ended_at'] is not None
        with pytest.raises(pydantic.ValidationError):  # aod-sdk 0.1.0's strict Turn model: why we read leniently
            client.sessions.turns(ack.id)
        seeded = newer.seed_session(token=TOKEN, status='terminated', turns=2)
        statuses = [t['status'] for t in http.get(f'/sessions/{seeded.id}/turns').json()['data']]
        assert statuses == ['completed', 'interrupted']
