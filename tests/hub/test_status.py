"""The session's status as a fact the hub owns: moved on by the stream's events and AoD's answers, published to
every subscriber, and never taken back by a resumed connection or an answer older than what the hub has read."""

from __future__ import annotations

import asyncio

from aod_ui.archive import Archive
from aod_ui.hub import HubRegistry

from ..helpers import BUG_FIX, CODEX, eventually, spawn
from .test_hub import Recorder, ended, launch, registry

__all__ = ['registry']  # a fixture shared with test_hub.py


class Watcher(Recorder):
    """A viewer that also records every status the hub publishes to it."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[str] = []

    def join(self, hub) -> None:
        hub.join(self.on_events, self.on_state, on_status=self.statuses.append)


def exit_codes(watcher: Watcher) -> list[int]:
    return [e.get('code') for e in watcher.events if e['type'] == 'exit']


async def test_a_status_change_reaches_every_subscriber(upstream, registry):
    session_id = await launch(upstream, 'scenario: success')
    hub = registry.hub(session_id)
    watchers = [Watcher() for _ in range(3)]
    for watcher in watchers:
        watcher.join(hub)
    await eventually(lambda: ended(watchers[0]) and hub.state.phase == 'idle')
    assert hub.status == 'completed' == (await upstream.get_session(session_id)).status
    assert all(w.statuses == ['running', 'completed'] for w in watchers)


async def test_a_non_zero_exit_reads_failed(upstream, registry):
    session_id = await launch(upstream, 'scenario: fail-exit')
    hub = registry.hub(session_id)
    watcher = Watcher()
    watcher.join(hub)
    await eventually(lambda: ended(watcher) and hub.state.phase == 'idle')
    assert exit_codes(watcher) and exit_codes(watcher)[0] != 0
    assert hub.status == 'failed' == (await upstream.get_session(session_id)).status
    # One paced read may bring the whole turn, so `running` may or may not be seen; never `completed`, never back.
    assert watcher.statuses in (['running', 'failed'], ['failed'])


async def test_a_failed_provisioning_reads_failed_after_pending(upstream, registry):
    session_id = await launch(upstream, 'scenario: fail-provision')
    hub = registry.hub(session_id)
    hub.answer((await upstream.get_session(session_id)).status, 1)  # what a page opened at once was told
    watcher = Watcher()
    watcher.join(hub)
    await eventually(lambda: ended(watcher) and hub.state.phase == 'idle')
    assert hub.status == 'failed'
    # pending through provisioning, then `turn_start` and "provision failed" (running for a moment), then `error`
    assert watcher.statuses[-1] == 'failed' and 'completed' not in watcher.statuses


async def test_resumed_connections_do_not_take_the_status_back(upstream, registry, sim_control):
    session_id = await launch(upstream, 'scenario: fail-exit')
    sim_control.post('/_sim/faults', json={'drop_stream_after_events': 7})
    hub = registry.hub(session_id)
    watcher = Watcher()
    watcher.join(hub)
    try:
        await eventually(lambda: ended(watcher) and hub.state.phase == 'idle', timeout=30)
    finally:
        sim_control.post('/_sim/faults', json={})
    assert hub.connections > 2
    assert watcher.statuses == ['running', 'failed']
    for _ in range(2):  # each reconnect is answered with `start`, the turn's `turn_start` and the same `exit`
        before = hub.connections
        hub.wake()
        await eventually(lambda before=before: hub.connections > before and hub.state.phase == 'idle')
    await asyncio.sleep(0.05)
    assert hub.status == 'failed'
    assert watcher.statuses == ['running', 'failed']


async def test_an_answer_older_than_the_stream_is_ignored_and_a_follow_up_counts(upstream, registry):
    session_id = await launch(upstream, 'scenario: success', agent=CODEX)
    hub = registry.hub(session_id)
    watcher = Watcher()
    watcher.join(hub)
    await eventually(lambda: ended(watcher) and hub.state.phase == 'idle')
    first_turn = list(watcher.statuses)
    assert first_turn[-1] == 'completed'
    hub.answer('running', 1)  # read before the `exit` reached the hub (a page opening at that moment)
    hub.answer('pending')
    assert hub.status == 'completed' and watcher.statuses == first_turn
    ack = await upstream.prompt(session_id, 'Now add tests.\nscenario: success')
    hub.answer(ack.status, ack.current_turn)  # what `SessionService.follow_up` tells the hub
    assert hub.status == 'pending' and watcher.statuses[-1] == 'pending'
    hub.wake()
    await eventually(lambda: exit_codes(watcher) == [0, 0] and hub.state.phase == 'idle')
    assert watcher.statuses[len(first_turn):][0] == 'pending' and watcher.statuses[-1] == 'completed'
    assert hub.status == 'completed'


async def test_an_idle_hub_publishes_a_follow_up_sent_from_elsewhere(upstream, registry):
    session_id = await launch(upstream, 'scenario: success', agent=CODEX)
    hub = registry.hub(session_id)
    watcher = Watcher()
    watcher.join(hub)
    await eventually(lambda: ended(watcher) and hub.state.phase == 'idle')
    await upstream.prompt(session_id, 'From another dashboard.\nscenario: success')  # nobody tells this hub
    await eventually(lambda: len(exit_codes(watcher)) == 2 and hub.state.phase == 'idle')
    # its poll saw the new turn (or its events did), then the turn ended
    assert watcher.statuses.count('completed') == 2 and watcher.statuses[-1] == 'completed'


async def test_a_stop_reaches_the_viewers_before_the_stream_says_so(upstream, registry):
    session_id = await launch(upstream, 'scenario: long', agent=BUG_FIX)
    hub = registry.hub(session_id)
    watcher = Watcher()
    watcher.join(hub)
    await eventually(lambda: hub.status == 'running')
    ack = await upstream.terminate(session_id)
    registry.answer(session_id, ack.status)  # what `SessionService.stop` tells the hub
    assert hub.status == 'terminated' and watcher.statuses[-1] == 'terminated'
    await eventually(lambda: ended(watcher) and hub.state.phase == 'idle')
    assert watcher.statuses == ['running', 'terminated']  # the output still arriving did not make it `running`


async def test_a_hub_opened_from_the_archive_knows_how_the_session_ended(upstream, tmp_path):
    session_id = await launch(upstream, 'scenario: fail-exit')
    archive = Archive(tmp_path / 'archive')
    archive.open()
    hubs = HubRegistry(lambda _: upstream, spawn=spawn, archive=archive, batch_interval=0.02, linger=0.2,
                       idle_poll=0.2)
    try:
        hub = hubs.hub(session_id)
        hub.follow()
        await asyncio.wait_for(hub.settled.wait(), 30)
    finally:
        await hubs.stop_all()
    hubs = HubRegistry(lambda _: upstream, spawn=spawn, archive=Archive(tmp_path / 'archive'), idle_poll=0.2)
    hubs.archive.open()
    try:
        hub = await hubs.opened(session_id)  # the dashboard started again: nothing read from AoD yet
        assert hub.archived_complete and hub.status == 'failed'
    finally:
        await hubs.stop_all()
