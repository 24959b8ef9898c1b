"""The registry of hubs: one per session, built over that session's own source, kept while anyone watches it."""

from __future__ import annotations

import asyncio

from nicegui import core

from aod_ui.hub import HubRegistry, spawn_detached
from aod_ui.simulator import SimulatorServer
from aod_ui.upstream import Upstream

from ..helpers import CODEX, DASHBOARD_TOKEN, eventually, spawn


async def test_each_session_has_one_hub_over_its_own_source(upstream: Upstream) -> None:
    asked: list[str] = []

    def source_for(session_id: str) -> Upstream:
        asked.append(session_id)
        return upstream
    hubs = HubRegistry(source_for, spawn=spawn, linger=0.1, idle_poll=0.1)
    first = hubs.hub('session-a')
    assert hubs.hub('session-a') is first and hubs.get('session-a') is first
    second = hubs.hub('session-b')
    assert second is not first and (first.session_id, second.session_id) == ('session-a', 'session-b')
    assert asked == ['session-a', 'session-b']  # the source is chosen once, for that very session
    assert len(hubs) == 2 and list(hubs) == [first, second]
    assert hubs.get('session-c') is None
    await hubs.stop_all()
    assert len(hubs) == 0 and list(hubs) == []


async def test_a_viewer_of_a_deleted_session_keeps_its_hub_until_it_leaves(upstream: Upstream,
                                                                         simulator: SimulatorServer) -> None:
    seeded = simulator.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='completed')
    hubs = HubRegistry(lambda _: upstream, spawn=spawn, batch_interval=0.01, linger=0.1, idle_poll=0.1)
    await upstream.delete(seeded.id)
    hub = hubs.hub(seeded.id)
    _, viewer = hub.join(lambda batch: None)
    await eventually(lambda: hub.state.phase == 'gone' and not hub.running)
    # the hub has stopped, but someone still looks at it: another viewer must find the same hub, not a new stream
    assert hubs.get(seeded.id) is hub and hubs.hub(seeded.id) is hub
    viewer.close()
    assert hubs.get(seeded.id) is None
    await hubs.stop_all()


async def test_a_shared_task_carries_the_name_it_was_given() -> None:
    core.loop = asyncio.get_running_loop()

    async def work() -> str:
        return 'done'
    task = spawn_detached(work(), 'stream of session s1')
    assert task.get_name() == 'stream of session s1'
    assert await task == 'done'


async def test_an_answer_reaches_the_sessions_hub_only(upstream: Upstream) -> None:
    hubs = HubRegistry(lambda _: upstream, spawn=spawn, linger=0.1, idle_poll=0.1)
    watched, other = hubs.hub('session-a'), hubs.hub('session-b')
    hubs.answer('session-a', 'terminated', 2)
    hubs.answer('session-c', 'failed')  # no hub: nothing to tell
    assert watched.status == 'terminated' and other.status != 'terminated'
    hubs.answer('session-b', 'completed', 1)
    hubs.answer('session-b', 'pending', 2)  # a new turn: not an earlier step of the first
    assert other.status == 'pending'
    await hubs.stop_all()


async def test_when_a_session_was_last_heard_of_is_known_while_it_has_a_hub(upstream: Upstream,
                                                                           simulator: SimulatorServer) -> None:
    import time
    seeded = simulator.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='completed')
    hubs = HubRegistry(lambda _: upstream, spawn=spawn, batch_interval=0.01, linger=0.1, idle_poll=0.1)
    assert hubs.heard_at(seeded.id) is None  # no hub
    hub = hubs.hub(seeded.id)
    assert hubs.heard_at(seeded.id) is None  # nothing read yet
    before = time.time()
    _, viewer = hub.join(lambda batch: None)
    await eventually(lambda: hubs.heard_at(seeded.id) is not None)
    assert before <= hubs.heard_at(seeded.id) <= time.time()
    viewer.close()
    await hubs.stop_all()
