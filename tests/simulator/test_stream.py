"""The SSE stream: format, replay, resume, multi-turn, terminal events, heartbeats and stale."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import aod
import httpx
import pytest

from aod_ui.simulator import SimulatorServer

from .support import CODE_REVIEW, TOKEN, collect, make_server, row_ids, wait_for


@pytest.fixture(scope='module')
def finished(sim: SimulatorServer) -> str:
    """A completed one-turn code-review session, shared by the read-only tests here."""
    with aod.Client(base_url=sim.url, token=TOKEN) as client:
        ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='Review the branch')
        collect(client, ack.id)
        return str(ack.id)


def raw_events(http: httpx.Client, session_id: str, **kwargs: object) -> list[tuple[str | None, dict]]:
    """(id line or None, payload) per event, read straight off the wire."""
    events = []
    with http.stream('GET', f'/sessions/{session_id}/stream', **kwargs) as answer:  # type: ignore[arg-type]
        assert answer.status_code == 200
        for block in answer.read().decode().split('\n\n'):
            if not block.strip():
                continue
            lines = block.split('\n')
            event_id = next((line[4:] for line in lines if line.startswith('id: ')), None)
            data = next(line[6:] for line in lines if line.startswith('data: '))
            events.append((event_id, json.loads(data)))
    return events


def test_headers(http: httpx.Client, finished: str) -> None:
    with http.stream('GET', f'/sessions/{finished}/stream') as answer:
        assert answer.headers['content-type'].startswith('text/event-stream')
        assert answer.headers['cache-control'] == 'no-cache'
        assert answer.headers['x-accel-buffering'] == 'no'


def test_full_replay_of_a_finished_session(client: aod.Client, http: httpx.Client, finished: str) -> None:
    events = raw_events(http, finished)
    kinds = [payload['type'] for _, payload in events]
    assert kinds[0] == 'start' and kinds[-1] == 'exit'
    assert events[0] == (None, {'type': 'start', 'runtime': 'claude-code', 'session_id': finished})
    assert kinds.count('turn_start') == 1 and kinds.count('exit') == 1
    for index, (event_id, payload) in enumerate(events):
        if payload['type'] in ('start', 'turn_start'):
            assert event_id is None, payload
        else:
            assert event_id == str(payload['id']), payload
        if payload['type'] == 'turn_start':
            following = events[index + 1][1]
            assert following['type'] == 'output' and following['id'] == payload['id'] and payload['turn'] == 1
    ids = [payload['id'] for _, payload in events if payload['type'] in ('stage', 'output')]
    assert ids == sorted(set(ids))
    assert events[-1][1] == {'type': 'exit', 'id': ids[-1], 'code': 0}  # terminal events carry the last row's id
    assert [e.type for e in collect(client, finished)] == kinds  # the SDK sees the same


def test_resume_after_since_loses_and_repeats_nothing(client: aod.Client, finished: str) -> None:
    full = row_ids(collect(client, finished))
    for cursor in (full[0], full[len(full) // 2], full[-2]):
        resumed = collect(client, finished, since=cursor)
        assert resumed[0].type == 'start'
        assert row_ids(resumed) == [i for i in full if i > cursor]
        assert resumed[-1].type == 'exit'
    at_end = collect(client, finished, since=full[-1])
    assert [e.type for e in at_end] == ['start', 'exit']


def test_a_resumed_stream_announces_the_turn_again_before_its_first_output(client: aod.Client, finished: str) -> None:
    full = collect(client, finished)
    outputs = [e.id for e in full if e.type == 'output']
    resumed = collect(client, finished, since=outputs[5])
    first = next(index for index, e in enumerate(resumed) if e.type == 'output')
    assert resumed[first - 1].type == 'turn_start' and resumed[first - 1].extra['turn'] == 1
    assert resumed[first - 1].id == resumed[first].id == outputs[6]
    assert [e.type for e in resumed].count('turn_start') == 1


def test_live_stream_cut_and_resumed(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='Review the branch')
    first: list[aod.StreamEvent] = []
    with client.sessions.stream(ack.id) as events:
        for event in events:
            first.append(event)
            if len(row_ids(first)) == 15:
                break
    cursor = row_ids(first)[-1]
    rest = collect(client, ack.id, since=cursor)
    assert row_ids(first) + row_ids(rest) == row_ids(collect(client, ack.id))
    assert rest[-1].type == 'exit'


def test_last_event_id_header_wins_over_since(http: httpx.Client, finished: str) -> None:
    ids = [payload['id'] for _, payload in raw_events(http, finished) if payload['type'] in ('stage', 'output')]
    cursor = ids[10]
    events = raw_events(http, finished, params={'since': 0}, headers={'Last-Event-ID': str(cursor)})
    resumed = [payload['id'] for _, payload in events if payload['type'] in ('stage', 'output')]
    assert resumed == ids[11:]


@pytest.mark.parametrize(('params', 'headers'), [
    ({'since': 'abc'}, {}), ({'since': '1.5'}, {}), ({'since': '-x'}, {}), ({}, {'Last-Event-ID': 'x'}),
])
def test_bad_cursor_is_400(http: httpx.Client, finished: str, params: dict, headers: dict) -> None:
    answer = http.get(f'/sessions/{finished}/stream', params=params, headers=headers)
    assert answer.status_code == 400
    assert answer.json() == {'detail': 'since must be an integer'}


@pytest.mark.parametrize(('params', 'headers'), [({'since': -1}, {}), ({'since': '-250'}, {}),
                                                ({}, {'Last-Event-ID': '-3'})])
def test_negative_cursor_is_clamped_to_a_full_replay(http: httpx.Client, finished: str, params: dict,
                                                     headers: dict) -> None:
    assert raw_events(http, finished, params=params, headers=headers) == raw_events(http, finished)


def test_multi_turn_reconnect(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='Review the branch')
    turn_one = collect(client, ack.id)
    assert turn_one[-1].type == 'exit'
    cursor = row_ids(turn_one)[-1]
    follow = client.sessions.prompt(ack.id, prompt='Now fix the rounding bug')
    assert follow.status == 'pending' and follow.current_turn == 2
    turn_two = collect(client, ack.id, since=cursor)
    assert turn_two[0].type == 'start'
    assert all(i > cursor for i in row_ids(turn_two))
    starts = [e for e in turn_two if e.type == 'turn_start']
    assert [e.extra['turn'] for e in starts] == [2]
    assert {e.extra['turn'] for e in turn_two if e.type == 'output'} == {2}
    assert turn_two[-1].type == 'exit' and turn_two[-1].extra['code'] == 0
    session = client.sessions.get(ack.id)
    assert (session.status, session.turn_count, session.current_turn, session.exit_code) == ('completed', 2, 2, 0)
    turns = client.sessions.turns(ack.id)
    assert [(t.turn_number, t.prompt, t.status) for t in turns] == [
        (1, 'Review the branch', 'completed'), (2, 'Now fix the rounding bug', 'completed')]
    replay = collect(client, ack.id)
    assert row_ids(replay) == row_ids(turn_one) + row_ids(turn_two)
    assert [e.extra['turn'] for e in replay if e.type == 'turn_start'] == [1, 2]
    assert [e.type for e in replay].count('exit') == 1


def test_open_stream_ends_at_its_own_turns_exit_despite_a_quick_follow_up(client: aod.Client, sim: SimulatorServer,
                                                                         ) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='Review the branch')
    seen: list[aod.StreamEvent] = []
    reader = threading.Thread(target=lambda: seen.extend(collect(client, ack.id)))
    with aod.Client(base_url=sim.url, token=TOKEN) as other:
        reader.start()
        wait_for(other, ack.id, 'completed')
        other.sessions.prompt(ack.id, prompt='scenario: long')  # prompt at once, maybe before the stream woke
        reader.join(5)
        assert not reader.is_alive()
        other.sessions.terminate(ack.id)
    assert seen[-1].type == 'exit'
    assert {e.extra['turn'] for e in seen if e.type == 'output'} == {1}


def test_terminate_ends_an_open_stream(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='scenario: long')
    seen: list[aod.StreamEvent] = []
    stopped = False
    with client.sessions.stream(ack.id) as events:
        for event in events:
            seen.append(event)
            # once only: when the fifth output is the last before `terminated`, the count is still five when
            # `terminated` arrives, and a second terminate would rightly be refused with 409
            if not stopped and len([e for e in seen if e.type == 'output']) == 5:
                client.sessions.terminate(ack.id)
                stopped = True
    assert seen[-1].type == 'terminated'
    assert seen[-1].extra['message'] == 'Session terminated'
    assert seen[-1].id == row_ids(seen)[-1]
    assert client.sessions.get(ack.id).status == 'terminated'
    assert client.sessions.turns(ack.id)[0].status == 'running'  # the current server leaves the turn as it was
    assert collect(client, ack.id)[-1].type == 'terminated'  # replay of a terminated session


def test_terminal_event_without_rows_has_no_id(sim: SimulatorServer, client: aod.Client, http: httpx.Client) -> None:
    seeded = sim.seed_session(token=TOKEN, status='pending')
    client.sessions.terminate(seeded.id)
    events = raw_events(http, seeded.id)
    assert events[-1] == (None, {'type': 'terminated', 'id': None, 'message': 'Session terminated'})


@pytest.fixture(scope='module')
def quick() -> Iterator[SimulatorServer]:
    """A server with a short heartbeat and a short stale timeout, and stamped output events."""
    # unpaced: the latency test measures the simulator's own delivery, which AoD's 0.5 s pace would swamp
    server = make_server(heartbeat=0.05, stale_after=0.4, stamp_events=True, paced=False)
    yield server
    server.stop_thread()


def test_heartbeats_then_stale_and_the_session_still_runs(quick: SimulatorServer) -> None:
    with httpx.Client(base_url=quick.url, headers={'Authorization': f'Bearer {TOKEN}'}, timeout=10) as http:
        ack = http.post('/sessions', json={'agent_id': CODE_REVIEW, 'prompt': 'scenario: stall'}).json()
        started = time.monotonic()
        with http.stream('GET', f'/sessions/{ack["id"]}/stream') as answer:
            body = answer.read().decode()
        elapsed = time.monotonic() - started
        assert body.count(': heartbeat\n\n') >= 3
        last = json.loads(body.rstrip().rsplit('data: ', 1)[1])
        assert last['type'] == 'stale' and last['message'] == 'No output for 0.4s'
        assert 0.35 < elapsed < 3
        assert http.get(f'/sessions/{ack["id"]}').json()['status'] == 'running'
        with aod.Client(base_url=quick.url, token=TOKEN) as client:
            events = collect(client, ack['id'])  # the SDK skips the heartbeat comments
            assert events[-1].type == 'stale' and events[-1].id == row_ids(events)[-1]
        http.post(f'/sessions/{ack["id"]}/terminate')


def test_stamped_output_events_reach_open_streams_at_once(quick: SimulatorServer) -> None:
    with aod.Client(base_url=quick.url, token=TOKEN) as client:
        ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='scenario: chatty\nrate: 2000\nevents: 600')
        delays = []
        with client.sessions.stream(ack.id) as events:
            for event in events:
                if event.type == 'output':
                    delays.append(time.time() - event.extra['emitted_at'])
        assert len(delays) == 600
        delays.sort()
        assert delays[len(delays) // 2] < 0.05  # median end-to-end latency, generous for a busy test machine
