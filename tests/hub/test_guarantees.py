"""The hub's documented guarantees, each with a test that fails when it breaks: no repeated terminal or `stale`
event across reconnects, resumes that send `Last-Event-ID`, backoff with jitter that a follow-up does not switch
off, and the linger after the last viewer leaves."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from nicegui import core

from aod_ui.hub import HubRegistry
from aod_ui.simulator import SimulatorConfig, SimulatorServer
from aod_ui.upstream import Upstream

from ..helpers import BUG_FIX, CODEX, DASHBOARD_TOKEN, eventually
from .test_hub import Recorder, ended, ids, launch, registry, spawn, stats

__all__ = ['registry']  # a fixture shared with test_hub.py


def types(recorder: Recorder) -> list[str]:
    return [e['type'] for e in recorder.events]


async def test_a_repeated_terminal_event_is_not_pushed_again_after_a_reconnect(upstream, registry):
    session_id = await launch(upstream, 'scenario: success', agent=CODEX)
    hub = registry.hub(session_id)
    viewer = Recorder()
    hub.join(viewer.on_events, viewer.on_state)
    await eventually(lambda: ended(viewer) and hub.state.phase == 'idle')
    for reconnects in (2, 3):  # nothing new upstream: each reconnect is answered with `start` and the same `exit`
        hub.wake()
        await eventually(lambda reconnects=reconnects: hub.connections == reconnects and hub.state.phase == 'idle')
    await asyncio.sleep(0.05)
    assert types(viewer).count('exit') == 1
    assert types(viewer).count('start') == 1
    assert ids(viewer.events) == sorted(set(ids(viewer.events)))


@pytest.fixture(scope='module')
def quiet_simulator():
    """A simulator whose streams go `stale` after a second of silence (longer than its paced streams' pause between
    reads, or a stream would go stale before it read anything)."""
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(DASHBOARD_TOKEN,), time_scale=0.02, seed=5, control=True,
                                             heartbeat=0.2, stale_after=1.0)).start_in_thread()
    yield server
    server.stop_thread()


async def test_a_repeated_stale_event_is_not_pushed_again_after_a_reconnect(quiet_simulator):
    core.loop = asyncio.get_running_loop()
    client = Upstream(quiet_simulator.url, DASHBOARD_TOKEN, timeout=10)
    hubs = HubRegistry(lambda _: client, spawn=spawn, batch_interval=0.01, linger=0.2, idle_poll=0.2)
    session_id = await launch(client, 'scenario: stall', agent=BUG_FIX)
    hub = hubs.hub(session_id)
    viewer = Recorder()
    hub.join(viewer.on_events, viewer.on_state)
    await eventually(lambda: hub.connections >= 3, timeout=30)  # stale, resumed, stale again with the same id
    await client.terminate(session_id)
    await eventually(lambda: ended(viewer), timeout=30)
    assert any(e['type'] == 'output' for e in viewer.events)
    assert types(viewer).count('stale') == 1
    assert types(viewer).count('terminated') == 1
    await hubs.stop_all()
    await client.aclose()


async def test_every_resume_sends_last_event_id(upstream, registry, simulator, sim_control):
    session_id = await launch(upstream, 'scenario: success')
    before = (await stats(simulator))['stream_cursors']
    sim_control.post('/_sim/faults', json={'drop_stream_after_events': 5})
    hub = registry.hub(session_id)
    viewer = Recorder()
    hub.join(viewer.on_events)
    await eventually(lambda: ended(viewer), timeout=30)
    sim_control.post('/_sim/faults', json={})
    after = (await stats(simulator))['stream_cursors']
    counted = {kind: after.get(kind, 0) - before.get(kind, 0) for kind in ('header', 'query', 'both', 'mismatch',
                                                                             'none')}
    assert hub.connections > 2
    assert counted == {'header': 0, 'query': 0, 'both': hub.connections - 1, 'mismatch': 0, 'none': 1}


async def test_the_adapter_resumes_with_the_header_and_the_server_honours_it(upstream, simulator):
    session_id = await launch(upstream, 'scenario: success', agent=CODEX)
    async with httpx.AsyncClient(base_url=simulator.url, headers={'Authorization': f'Bearer {DASHBOARD_TOKEN}'},
                                 timeout=10) as http:
        for _ in range(200):
            if (await http.get(f'/sessions/{session_id}')).json()['status'] == 'completed':
                break
            await asyncio.sleep(0.05)
        # the header wins over `since`: a client that sends only `since` is told nothing different, which is why
        # the simulator counts how each request gave its cursor
        body = (await http.get(f'/sessions/{session_id}/stream', params={'since': 0},
                               headers={'Last-Event-ID': '999999999'})).text
    assert '"type": "output"' not in body.replace('":"', '": "')
    events = [e async for e in upstream.stream(session_id)]
    cursor = [e.cursor for e in events if e.payload['type'] == 'output'][3]
    before = (await stats(simulator))['stream_cursors'].get('both', 0)
    resumed = [e async for e in upstream.stream(session_id, since=cursor)]
    assert (await stats(simulator))['stream_cursors'].get('both', 0) == before + 1
    assert [e.cursor for e in resumed if e.cursor is not None and e.payload['type'] == 'output'] == \
        [e.cursor for e in events if e.cursor is not None and e.cursor > cursor and e.payload['type'] == 'output']


async def test_failures_back_off_with_jitter(upstream, registry, sim_control):
    session_id = await launch(upstream, 'scenario: success', agent=CODEX)
    sim_control.post('/_sim/faults', json={'status_burst': {'route': 'stream', 'status': 503, 'count': 3}})
    hub = registry.hub(session_id)
    viewer = Recorder()
    hub.join(viewer.on_events, viewer.on_state)
    await eventually(lambda: ended(viewer), timeout=20)
    delays = [s.retry_in for s in viewer.states if s.phase == 'reconnecting' and s.retry_in]
    assert len(delays) == 3
    for delay, base in zip(delays, (0.5, 1.0, 2.0), strict=True):
        assert 0.8 * base <= delay <= 1.2 * base
    assert len({round(d / b, 6) for d, b in zip(delays, (0.5, 1.0, 2.0), strict=True)}) > 1  # jittered


async def test_a_follow_up_during_failures_does_not_switch_the_backoff_off(upstream, registry, simulator,
                                                                          sim_control):
    session_id = await launch(upstream, 'scenario: success', agent=CODEX)
    hub = registry.hub(session_id)
    viewer = Recorder()
    hub.join(viewer.on_events, viewer.on_state)
    await eventually(lambda: ended(viewer) and hub.state.phase == 'idle')
    sim_control.post('/_sim/faults', json={'status_burst': {'route': 'stream', 'status': 503, 'count': 8}})
    hub.wake()
    await eventually(lambda: hub.state.retry_in is not None)  # AoD failed once; the hub waits before retrying
    before = (await stats(simulator))['requests'].get('stream', 0)
    hub.wake()  # a follow-up now: reconnect at once, but keep backing off while AoD keeps failing
    await asyncio.sleep(1.0)
    asked = (await stats(simulator))['requests'].get('stream', 0) - before
    sim_control.post('/_sim/faults', json={})
    assert 1 <= asked <= 3  # at once, then after about 0.5 and 1 s: not all eight in a row


async def test_the_hub_lingers_after_the_last_viewer_and_a_returning_viewer_keeps_it(upstream):
    hubs = HubRegistry(lambda _: upstream, spawn=spawn, batch_interval=0.01, linger=0.6, idle_poll=0.2)
    session_id = await launch(upstream, 'scenario: long')
    hub = hubs.hub(session_id)
    _, viewer = hub.join(Recorder().on_events)
    await eventually(lambda: hub.state.phase == 'live')
    viewer.close()
    await asyncio.sleep(0.2)
    assert hub.running  # well inside the linger
    _, viewer = hub.join(Recorder().on_events)  # back before it ended: the timer is cancelled
    await asyncio.sleep(0.8)
    assert hub.running and hubs.get(session_id) is hub
    viewer.close()
    await eventually(lambda: not hub.running, timeout=5)
    assert hubs.get(session_id) is None
    await upstream.terminate(session_id)
    await hubs.stop_all()


async def test_an_idle_hub_notices_a_follow_up_sent_from_elsewhere(upstream, registry):
    session_id = await launch(upstream, 'scenario: success', agent=CODEX)
    hub = registry.hub(session_id)
    viewer = Recorder()
    hub.join(viewer.on_events, viewer.on_state)
    await eventually(lambda: ended(viewer) and hub.state.phase == 'idle')
    await upstream.prompt(session_id, 'From another dashboard.\nscenario: success')  # nobody wakes this hub
    await eventually(lambda: types(viewer).count('exit') == 2)
    assert {e.get('turn') for e in viewer.events if e['type'] == 'output'} == {1, 2}
