"""AoD's stream pace: at most 100 rows per read, then 0.5 s of sleep, live or replaying (`aod-api.md`, "Replay pace").

These tests run a simulator at the real pace (the defaults) and look at what a client can observe: events arrive in
bursts of at most 100 rows, one burst per read, with the pause between them. A gap of more than `GAP` seconds
separates two bursts: far below the 0.5 s pause, far above the time one burst takes to cross the loopback.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator

import httpx
import pytest

from aod_ui.simulator import SimulatorServer

from .support import CODE_REVIEW, TOKEN, make_server

GAP = 0.2


@pytest.fixture(scope='module')
def paced() -> Iterator[SimulatorServer]:
    server = make_server(control=True, heartbeat=0.05, stale_after=1.2)
    assert (server.config.paced, server.config.stream_rows, server.config.stream_pause) == (True, 100, 0.5)
    yield server
    server.stop_thread()


@pytest.fixture
def http(paced: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=paced.url, headers={'Authorization': f'Bearer {TOKEN}'}, timeout=30) as client:
        yield client


def bursts(http: httpx.Client, session_id: str, **params: object) -> tuple[list[list[dict]], list[float], int]:
    """One stream connection read off the wire: its events grouped by arrival (a gap over `GAP` starts a burst),
    the arrival time of each burst, and the heartbeats seen."""
    groups: list[list[dict]] = []
    times: list[float] = []
    heartbeats = 0
    buffer = ''
    last = None
    with http.stream('GET', f'/sessions/{session_id}/stream', params=params) as answer:
        assert answer.status_code == 200
        for chunk in answer.iter_text():
            now = time.monotonic()
            buffer += chunk
            *blocks, buffer = buffer.split('\n\n')
            for block in blocks:
                if block.startswith(':'):
                    heartbeats += 1
                    continue
                if last is None or now - last > GAP:
                    groups.append([])
                    times.append(now)
                groups[-1].append(json.loads(block.split('data: ', 1)[1]))
                last = now
    return groups, times, heartbeats


def rows(events: list[dict]) -> list[dict]:
    """The stored log rows among events (what one read counts), without `start`, `turn_start` and terminal ones."""
    return [e for e in events if e['type'] in ('stage', 'output')]


def paced_sizes(total: int) -> list[int]:
    """The rows of each burst when `total` rows are replayed at 100 per read (the last read finds the rest)."""
    return [100] * (total // 100) + [total % 100]


def wait_finished(http: httpx.Client, session_id: str) -> None:
    deadline = time.monotonic() + 30
    while http.get(f'/sessions/{session_id}').json()['status'] in ('pending', 'running'):
        assert time.monotonic() < deadline, 'the session did not finish'
        time.sleep(0.02)


def test_a_finished_session_replays_100_rows_per_read_with_the_pause_between(paced: SimulatorServer,
                                                                            http: httpx.Client) -> None:
    session_id = http.post('/sessions', json={'agent_id': CODE_REVIEW,
                                              'prompt': 'scenario: chatty\nevents: 330\nrate: 20000'}).json()['id']
    wait_finished(http, session_id)
    reads_before = paced.stats()['stream_reads']
    groups, times, _ = bursts(http, session_id)
    reads = paced.stats()['stream_reads'] - reads_before
    total = sum(len(rows(group)) for group in groups)
    assert total > 330  # the stages and the 330 output rows
    assert reads == total // 100 + 1  # one read per 100 rows; the last one finds fewer and ends the stream
    assert [len(rows(group)) for group in groups] == paced_sizes(total)
    assert groups[0][0]['type'] == 'start' and groups[-1][-1]['type'] == 'exit'
    # the server slept 0.5 s between reads; a client cannot see the bursts closer together than that allows
    assert times[-1] - times[0] >= (total // 100) * 0.5 - GAP


def test_a_resumed_stream_keeps_the_pace(paced: SimulatorServer, http: httpx.Client) -> None:
    session_id = http.post('/sessions', json={'agent_id': CODE_REVIEW,
                                              'prompt': 'scenario: chatty\nevents: 250\nrate: 20000'}).json()['id']
    wait_finished(http, session_id)
    full = [e['id'] for group in bursts(http, session_id)[0] for e in rows(group)]
    groups, _, _ = bursts(http, session_id, since=full[120])
    assert [len(rows(group)) for group in groups] == paced_sizes(len(full) - 121)
    assert [e['id'] for group in groups for e in rows(group)] == full[121:]


def test_live_output_comes_in_bursts_of_at_most_100_rows(http: httpx.Client) -> None:
    # 450 rows in about 0.3 s: faster than AoD delivers, so the live stream falls behind and catches up read by read
    session_id = http.post('/sessions', json={'agent_id': CODE_REVIEW,
                                              'prompt': 'scenario: chatty\nevents: 450\nrate: 1500'}).json()['id']
    groups, times, _ = bursts(http, session_id)
    sizes = [len(rows(group)) for group in groups]
    assert sum(sizes) > 450 and max(sizes) == 100
    assert len(groups) >= math.ceil(sum(sizes) / 100)
    assert times[-1] - times[0] >= (len(groups) - 1) * 0.5 - GAP  # a read every 0.5 s, not at every new row
    assert groups[-1][-1]['type'] == 'exit'


def test_heartbeats_and_stale_keep_their_own_clock_under_the_pace(http: httpx.Client) -> None:
    session_id = http.post('/sessions', json={'agent_id': CODE_REVIEW, 'prompt': 'scenario: stall'}).json()['id']
    started = time.monotonic()
    groups, _, heartbeats = bursts(http, session_id)
    assert heartbeats >= 5  # every 0.05 s of silence, not only once per read
    last = groups[-1][-1]
    assert last['type'] == 'stale' and last['message'] == 'No output for 1.2s'
    assert time.monotonic() - started >= 1.2
    http.post(f'/sessions/{session_id}/terminate')
