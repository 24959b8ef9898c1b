"""The session hub against the simulator over real HTTP, through the real adapter."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import httpx
import pytest
from nicegui import core

from aod_ui.hub import Batch, HubRegistry, HubState
from aod_ui.simulator import SimulatorServer
from aod_ui.upstream import Upstream

from ..helpers import BUG_FIX, CODEX, DASHBOARD_TOKEN, eventually, spawn


@pytest.fixture
async def registry(upstream: Upstream) -> AsyncIterator[HubRegistry]:
    hubs = HubRegistry(lambda _: upstream, spawn=spawn, batch_interval=0.02, linger=0.2, idle_poll=0.2)
    yield hubs
    await hubs.stop_all()


@pytest.fixture
async def backlog_registry(unpaced_simulator: SimulatorServer) -> AsyncIterator[tuple[Upstream, HubRegistry]]:
    """A hub registry reading an unpaced simulator, whose rows reach the hub as fast as they are written."""
    core.loop = asyncio.get_running_loop()
    client = Upstream(unpaced_simulator.url, DASHBOARD_TOKEN, timeout=10)
    hubs = HubRegistry(lambda _: client, spawn=spawn, batch_interval=0.02, linger=0.2, idle_poll=0.2)
    yield client, hubs
    await hubs.stop_all()
    await client.aclose()


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict] = []
        self.batches = 0
        self.states: list[HubState] = []

    def on_events(self, batch: Batch) -> None:
        self.batches += 1
        self.events.extend(batch.events)

    def on_state(self, state: HubState) -> None:
        self.states.append(state)


async def launch(upstream: Upstream, prompt: str, agent: str = BUG_FIX) -> str:
    ack = await upstream.create_session(agent_id=agent, prompt=prompt)
    return ack.id


def ids(events: list[dict]) -> list[int]:
    return [e['id'] for e in events if e.get('type') in {'stage', 'output'}]


def ended(recorder: Recorder) -> bool:
    return any(e.get('type') in {'exit', 'error', 'terminated'} for e in recorder.events)


async def stats(simulator: SimulatorServer) -> dict:
    async with httpx.AsyncClient(base_url=simulator.url) as client:
        return (await client.get('/_sim/stats')).json()


async def test_many_viewers_share_one_upstream_stream(upstream, registry, simulator):
    session_id = await launch(upstream, 'scenario: success')
    before = (await stats(simulator))['streams_opened']
    hub = registry.hub(session_id)
    viewers = [Recorder() for _ in range(5)]
    for viewer in viewers:
        hub.join(viewer.on_events, viewer.on_state)
    await eventually(lambda: ended(viewers[0]))
    await asyncio.sleep(0.1)
    assert (await stats(simulator))['streams_opened'] - before == 1
    assert hub.connections == 1
    reference = ids(viewers[0].events)
    assert reference == sorted(set(reference)) and reference
    assert all(ids(v.events) == reference for v in viewers)
    assert [e['type'] for e in viewers[0].events].count('exit') == 1


async def test_late_joiner_gets_replay_then_tail_without_gap_or_duplicate(upstream, registry):
    session_id = await launch(upstream, 'scenario: long')
    hub = registry.hub(session_id)
    first = Recorder()
    hub.join(first.on_events)
    await eventually(lambda: len(ids(first.events)) > 15)
    late = Recorder()
    replay, _ = hub.join(late.on_events)
    late.events[:0] = replay
    await eventually(lambda: len(ids(late.events)) > len(ids(replay)) + 5)
    await upstream.terminate(session_id)
    await eventually(lambda: ended(first) and ended(late))
    await asyncio.sleep(0.1)
    assert ids(late.events) == ids(first.events)
    assert ids(first.events) == sorted(set(ids(first.events)))


async def test_resumes_after_dropped_connections_without_loss_or_duplicates(upstream, registry, sim_control):
    session_id = await launch(upstream, 'scenario: success')
    sim_control.post('/_sim/faults', json={'drop_stream_after_events': 7})
    hub = registry.hub(session_id)
    viewer = Recorder()
    hub.join(viewer.on_events, viewer.on_state)
    await eventually(lambda: ended(viewer), timeout=30)
    sim_control.post('/_sim/faults', json={})
    assert hub.connections > 2
    got = ids(viewer.events)
    async with httpx.AsyncClient(base_url=upstream.base_url,
                                 headers={'Authorization': f'Bearer {DASHBOARD_TOKEN}'}) as client:
        body = (await client.get(f'/sessions/{session_id}/stream')).text
    expected = [int(line[4:]) for line in body.splitlines() if line.startswith('id: ')]
    expected = sorted(set(expected))
    assert got == [i for i in expected if i in set(got)] == sorted(set(got))
    assert set(expected) - set(got) <= {max(expected)}  # the terminal event repeats the last row's id
    assert any(s.phase == 'reconnecting' for s in viewer.states)


async def test_follow_up_reconnects_for_the_next_turn(upstream, registry):
    session_id = await launch(upstream, 'scenario: success', agent=CODEX)
    hub = registry.hub(session_id)
    viewer = Recorder()
    hub.join(viewer.on_events)
    await eventually(lambda: ended(viewer))
    await eventually(lambda: hub.state.phase == 'idle')
    await upstream.prompt(session_id, 'Now add tests.\nscenario: success')
    registry.wake(session_id)
    await eventually(lambda: [e['type'] for e in viewer.events].count('exit') == 2)
    turns = {e.get('turn') for e in viewer.events if e['type'] == 'output'}
    assert turns == {1, 2}
    assert ids(viewer.events) == sorted(set(ids(viewer.events)))
    assert [e['type'] for e in viewer.events].count('start') == 1


async def test_unknown_event_types_do_not_stop_the_hub(registry):
    class Source:
        async def stream(self, session_id, *, since=None):
            from aod_ui.upstream import StreamEvent
            for payload, cursor in [({'type': 'start', 'provider': 'anthropic'}, None),
                                    ({'type': 'hologram', 'id': 1}, 1),
                                    ({'type': 'output', 'id': 2, 'stream': 'stdout', 'data': 'hello\n', 'turn': 1}, 2),
                                    ({'type': 'exit', 'id': 2, 'code': 0}, 2)]:
                yield StreamEvent(payload, cursor)

        async def get_session(self, session_id):
            raise AssertionError('not needed')

    hubs = HubRegistry(lambda _: Source(), spawn=spawn, batch_interval=0.01, linger=0.1, idle_poll=10)
    hub = hubs.hub('s')
    viewer = Recorder()
    hub.join(viewer.on_events)
    await eventually(lambda: ended(viewer))
    assert [e['type'] for e in viewer.events] == ['start', 'hologram', 'output', 'exit']
    assert any(entry.kind == 'notice' for entry in hub.transcript.entries)
    await hubs.stop_all()


async def test_bursts_are_batched_and_a_lone_event_goes_at_once(backlog_registry):
    # unpaced: the batching of a burst is tested with 2,000 rows at once; at AoD's pace they come 100 per read
    upstream, registry = backlog_registry
    session_id = await launch(upstream, 'scenario: chatty\nrate: 4000\nevents: 2000')
    hub = registry.hub(session_id)
    viewer = Recorder()
    hub.join(viewer.on_events)
    await eventually(lambda: ended(viewer), timeout=30)
    outputs = sum(1 for e in viewer.events if e['type'] == 'output')
    assert outputs >= 2000
    assert viewer.batches < outputs / 10

    # one output a second: each comes alone, long after the last push, and must reach the viewer on the next
    # turns of the event loop, not after a batch interval (counted in loop turns, so a busy machine cannot fail it)
    loop = asyncio.get_running_loop()
    lone = registry.hub(await launch(upstream, 'scenario: chatty\nrate: 1\nevents: 4'))
    quiet = Recorder()
    pushed_at = [0.0]
    checked: list[bool] = []

    def on_events(batch: Batch) -> None:
        quiet.on_events(batch)
        pushed_at[0] = loop.time()

    def feeding(payload: dict, feed=lone.transcript.feed) -> list:
        if payload.get('type') == 'output' and loop.time() - pushed_at[0] > 0.7:
            # queued before the hub schedules its push: two hops later that push has run, if it went at once
            loop.call_soon(loop.call_soon, lambda: checked.append(payload in quiet.events))
        return feed(payload)

    lone.transcript.feed = feeding  # type: ignore[method-assign]
    lone.join(on_events)
    await eventually(lambda: ended(quiet), timeout=30)
    assert len(checked) >= 2 and all(checked)


async def test_hub_stops_when_the_last_viewer_leaves(upstream, registry, simulator):
    session_id = await launch(upstream, 'scenario: long')
    hub = registry.hub(session_id)
    _, viewer = hub.join(Recorder().on_events)
    await eventually(lambda: hub.state.phase == 'live')
    viewer.close()
    await eventually(lambda: not hub.running, timeout=5)
    assert registry.get(session_id) is None
    await upstream.terminate(session_id)


async def test_deleted_session_reads_as_gone(upstream, registry):
    session_id = await launch(upstream, 'scenario: success', agent=CODEX)
    hub = registry.hub(session_id)
    viewer = Recorder()
    hub.join(viewer.on_events, viewer.on_state)
    await eventually(lambda: ended(viewer))
    await asyncio.sleep(0.05)
    await upstream.delete(session_id)
    registry.wake(session_id)
    await eventually(lambda: hub.state.phase == 'gone')


async def test_shared_tasks_start_in_a_fresh_context():
    """A hub's task must not inherit the request context (and so `app.storage.user`) of whoever opened it first."""
    import contextvars

    from nicegui.storage import request_contextvar

    from aod_ui.hub import spawn_detached
    core.loop = asyncio.get_running_loop()
    marker = contextvars.ContextVar('marker', default='fresh')
    marker.set('alice request')
    request_contextvar.set('alice request')  # type: ignore[arg-type]
    seen = {}

    async def task():
        seen['marker'], seen['request'] = marker.get(), request_contextvar.get()
    await spawn_detached(task(), 'probe')
    assert seen == {'marker': 'fresh', 'request': None}


async def test_pushes_stretch_when_they_cost_more(backlog_registry):
    """A page that takes long to update gets the same events in fewer, larger pushes."""
    # unpaced: the stretch shows on a backlog that arrives faster than pushes go out; AoD's pace would set the rhythm
    import time
    upstream, registry = backlog_registry
    prompt = 'scenario: chatty\nrate: 4000\nevents: 2000'
    cheap, costly = Recorder(), Recorder()
    starts: list[float] = []

    def slow(batch: Batch) -> None:
        starts.append(time.monotonic())
        time.sleep(0.03)  # what a heavy page update costs the process
        costly.on_events(batch)

    for recorder, callback in ((cheap, cheap.on_events), (costly, slow)):
        registry.hub(await launch(upstream, prompt)).join(callback)
        await eventually(lambda recorder=recorder: ended(recorder), timeout=30)
    for recorder in (cheap, costly):  # nothing lost or repeated either way
        outputs = [e['id'] for e in recorder.events if e['type'] == 'output']
        assert len(outputs) >= 2000 and outputs == sorted(set(outputs))
    assert costly.batches * 2 < cheap.batches
    gaps = sorted(b - a for a, b in itertools.pairwise(starts))
    assert gaps[len(gaps) // 2] >= 0.03 + 3 * 0.03  # the push, then a wait of about four times its cost


async def test_a_hub_holds_a_bounded_part_of_a_long_session(upstream):
    hubs = HubRegistry(lambda _: upstream, spawn=spawn, hold=2000, linger=0.2, idle_poll=0.2)
    session_id = await launch(upstream, 'scenario: huge\nlines: 30000', agent=CODEX)
    hub = hubs.hub(session_id)
    viewer = Recorder()
    hub.join(viewer.on_events)
    await eventually(lambda: ended(viewer), timeout=30)
    raw = hub.transcript.raw
    outputs = [e for e in viewer.events if e['type'] == 'output']
    assert ''.join(e['data'] for e in outputs).count('\n') >= 30000  # every viewer got everything, live
    assert raw.lines.line_count >= 30000 and raw.lines.line_count - raw.lines.first <= 2200
    assert hub.transcript.top_dropped > 0
    replay, _ = hub.join(Recorder().on_events)  # a late joiner gets what is still held
    assert replay == list(raw.events) and len(replay) <= 2200
    await hubs.stop_all()


async def test_a_finished_session_read_at_aods_pace_arrives_whole_in_several_pushes(upstream, registry, simulator):
    session_id = await launch(upstream, 'scenario: chatty\nrate: 20000\nevents: 330', agent=CODEX)
    await eventually(lambda: simulator.call(lambda: simulator.state.sessions[session_id].status) == 'completed')
    reads = (await stats(simulator))['stream_reads']
    hub = registry.hub(session_id)
    viewer = Recorder()
    hub.join(viewer.on_events)
    await eventually(lambda: ended(viewer), timeout=30)
    rows = ids(viewer.events)
    assert len(rows) > 330 and rows == sorted(set(rows))
    assert (await stats(simulator))['stream_reads'] - reads >= len(rows) // 100 + 1  # 100 rows per read, no more
    assert viewer.batches >= len(rows) // 100 + 1  # each read's rows reach the page as they come

