"""A session's one reader archives what it reads, watched or not; the archive is served back after a restart."""

from __future__ import annotations

import asyncio
import errno
import os
import random

import pytest

from aod_ui.archive import SessionFiles
from aod_ui.services._changes import change_summary

from ..helpers import BUG_FIX, CODEX
from .conftest import key, launch, open_archive, registry_for, replay, stats, wait_finished


async def settled(hub, timeout: float = 30) -> None:
    await asyncio.wait_for(hub.settled.wait(), timeout)


async def test_an_unwatched_session_is_followed_to_its_end_and_compacted(upstream, folder, simulator):
    archive = open_archive(folder)
    session_id = await launch(upstream, 'scenario: success', BUG_FIX)
    before = (await stats(simulator))['streams_opened']
    async with registry_for(upstream, archive) as hubs:
        hub = hubs.hub(session_id)
        hub.follow()
        await settled(hub)
        assert hub.viewer_count == 0
        await asyncio.sleep(0.3)
        assert not hub.running, 'an unwatched hub stops once the session ended and is archived'
    assert (await stats(simulator))['streams_opened'] - before == 1
    files = SessionFiles(folder, session_id)
    assert files.packed.exists() and not files.log.exists()
    assert archive.complete(session_id)
    assert list(files.events()) == await replay(upstream, session_id)


async def test_a_stream_cut_at_random_points_archives_every_event_once_in_order(upstream, folder, sim_control):
    archive = open_archive(folder)
    session_id = await launch(upstream, 'scenario: chatty\nevents: 400\nrate: 2000', CODEX)
    rng = random.Random(13)
    async with registry_for(upstream, archive) as hubs:
        hub = hubs.hub(session_id)
        connections = 0
        sim_control.post('/_sim/faults', json={'drop_stream_after_events': rng.randint(1, 40)})
        hub.follow()
        while not hub.settled.is_set():
            if hub.connections != connections:  # every connection is cut at another random point
                connections = hub.connections
                sim_control.post('/_sim/faults', json={'drop_stream_after_events': rng.randint(1, 40)})
            await asyncio.sleep(0.01)
        sim_control.post('/_sim/faults', json={})
        assert hub.connections > 5
    archived = list(SessionFiles(folder, session_id).events())
    expected = await replay(upstream, session_id)
    assert [key(e) for e in archived] == [key(e) for e in expected]
    assert archived == expected


async def test_a_finished_archived_session_opens_after_a_restart_without_a_stream(upstream, folder, simulator):
    session_id = await launch(upstream, 'scenario: success', BUG_FIX)
    async with registry_for(upstream, open_archive(folder)) as hubs:
        hub = hubs.hub(session_id)
        hub.follow()
        await settled(hub)
    expected = await replay(upstream, session_id)
    before = (await stats(simulator))['streams_opened']
    async with registry_for(upstream, open_archive(folder)) as hubs:  # the dashboard started again
        hub = await hubs.opened(session_id)
        held, viewer = hub.join(lambda batch: None)
        assert held == expected
        assert hub.archived_complete
        await asyncio.sleep(0.6)  # idle polls ask for the session, never for its stream
        viewer.close()
    assert (await stats(simulator))['streams_opened'] == before


async def test_a_full_disk_stops_archiving_but_not_live_viewing_and_the_archive_catches_up(upstream, folder):
    full = {'on': False}

    def write(fd: int, data: bytes) -> int:
        if full['on']:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return os.write(fd, data)
    archive = open_archive(folder, write_hook=write)
    session_id = await launch(upstream, 'scenario: chatty\nevents: 300\nrate: 300', CODEX)
    seen: list[dict] = []
    async with registry_for(upstream, archive) as hubs:
        hub = hubs.hub(session_id)
        held, viewer = hub.join(lambda batch: seen.extend(batch.events))
        seen[:0] = held
        while hub.rows_read < 60:
            await asyncio.sleep(0.01)
        full['on'] = True
        await settled(hub)
        assert archive.problem is not None and 'disk holding the archive' in archive.problem
        assert not archive.complete(session_id)
        viewer.close()
    expected = await replay(upstream, session_id)
    assert seen == expected, 'viewers got every event from memory while the disk was full'
    stored = list(SessionFiles(folder, session_id).events())
    assert 0 < len(stored) < len(expected) and stored == expected[:len(stored)]
    full['on'] = False
    assert await archive.probe() and archive.problem is None
    async with registry_for(upstream, archive) as hubs:  # a later reader resumes from the last stored event
        hub = hubs.hub(session_id)
        hub.follow()
        await settled(hub)
    assert list(SessionFiles(folder, session_id).events()) == expected


@pytest.mark.parametrize('hold', [2000])
async def test_a_long_archived_session_seeds_its_hub_with_the_tail(unpaced_upstream, folder, hold):
    upstream = unpaced_upstream  # a backlog of thousands of rows, read twice: what the archive keeps, not the pace
    session_id = await launch(upstream, f'scenario: chatty\nevents: {hold + 500}\nrate: 5000', CODEX)
    await wait_finished(upstream, session_id)
    async with registry_for(upstream, open_archive(folder)) as hubs:
        hub = hubs.hub(session_id)
        hub.follow()
        await settled(hub, 60)
    expected = await replay(upstream, session_id)
    async with registry_for(upstream, open_archive(folder)) as hubs:
        hubs._options['hold'] = hold
        hub = await hubs.opened(session_id)
        held = list(hub.transcript.raw.events)
        assert len(held) <= hold + 30 and hub.dropped == len(expected) - len(held)
        assert held[-hold:] == expected[-hold:]
        assert held[0]['type'] == 'start' and hub.rows_read == sum(e['type'] in {'stage', 'output'}
                                                                  for e in expected)


async def test_what_the_agent_changed_is_recorded_and_survives_a_hub_holding_only_the_tail(upstream, folder):
    session_id = await launch(upstream, 'scenario: success', BUG_FIX)
    async with registry_for(upstream, open_archive(folder)) as hubs:
        hub = hubs.hub(session_id)
        hub.follow()
        await settled(hub)
        whole = hub.transcript.changes.summary()
    assert whole.files == 3 and [link.kind for link in whole.links] == ['branch', 'pull']
    archive = open_archive(folder)
    assert archive.meta(session_id)['info']['changes'] == whole.to_dict()
    async with registry_for(upstream, archive) as hubs:
        assert change_summary(hubs, session_id) == whole  # what the list shows, with no hub: from the archive
        hubs._options['hold'] = 12
        hub = await hubs.opened(session_id)
        states = []
        hub.state_changed.subscribe(states.append)
        changes = hub.transcript.changes
        # opening reads the tail only: the whole session's changes are known by what the archive recorded
        assert hub.dropped > 0 and changes.summary() == whole and changes.file_count == 3
        assert len(changes.files) < 3 and hub._earlier_changes is None
        hub.learn_changes()  # the Changes view is shown
        await asyncio.wait_for(hub._earlier_changes, 10)
        assert changes.earlier is None and changes.summary() == whole
        assert list(changes.files) == ['/workspace/src/csvkit/parse.py', '/workspace/tests/test_parse.py',
                                       '/workspace/CHANGELOG.md']
        assert all(edit.entry is None or hub.transcript.get(edit.entry) is not None  # a way only to what is held
                   for file in changes.files.values() for edit in file.edits)
        assert states, 'the pages hear that the changes grew'
        hub.transcript.changes.text('https://github.com/o/r/pull/9')
        assert change_summary(hubs, session_id).links[-1].label == 'o/r#9'  # with a hub: from the hub, live


async def test_a_session_archived_before_changes_were_recorded_gets_them_recorded_when_opened(upstream, folder):
    session_id = await launch(upstream, 'scenario: success', BUG_FIX)
    async with registry_for(upstream, open_archive(folder)) as hubs:
        hub = hubs.hub(session_id)
        hub.follow()
        await settled(hub)
        whole = hub.transcript.changes.summary()
    archive = open_archive(folder)
    meta = archive.meta(session_id)
    del meta['info']['changes']  # as the archive kept it before
    SessionFiles(folder, session_id).write_meta(meta)
    archive = open_archive(folder)
    async with registry_for(upstream, archive) as hubs:
        assert change_summary(hubs, session_id) is None
        hub = await hubs.opened(session_id)
        await asyncio.wait_for(hub._earlier_changes, 10)
    assert open_archive(folder).meta(session_id)['info']['changes'] == whole.to_dict()
