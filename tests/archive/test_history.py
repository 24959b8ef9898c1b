"""Sessions AoD deleted stay readable from the archive under the same visibility rules, until archive retention
removes them; downloads are whole or say what is missing; facts are only ever learnt from a whole session."""

from __future__ import annotations

import asyncio
import time

import pytest

from aod_ui.archive._follower import Follower
from aod_ui.errors import LimitReached, NotAllowed
from aod_ui.services import LaunchRequest

from ..helpers import BUG_FIX, CODEX
from .conftest import replay
from .world import ADMIN, ALICE, BOB, CAROL, archived


async def test_sessions_deleted_upstream_stay_readable_with_their_visibility(world, upstream):
    private = await archived(world, ALICE, 'scenario: success\nthe private one', 'private')
    team = await archived(world, ALICE, 'scenario: success\nthe team one', 'team')
    events = {session_id: await replay(upstream, session_id) for session_id in (private, team)}
    await upstream.delete(private)  # by someone else, in AoD
    await world.sessions.delete(ALICE, team)  # from the dashboard
    world.sessions.invalidate()

    detail = await world.sessions.get(ALICE, private)
    assert detail.deleted_upstream and detail.row.status == 'completed'
    assert detail.turns[0].prompt.endswith('the private one')
    assert not detail.may_act or detail.deleted_upstream
    # the archived copy reads like the session did: its id, owner, runtime and resources, and the owner's rights
    assert (detail.row.id, detail.row.owner, detail.row.visibility, detail.runtime_family, detail.resources,
            detail.may_act) == (private, 'alice', 'private', 'anthropic', (), True)
    export = await world.sessions.transcript_export(ALICE, private, 'jsonl')
    assert export.complete and ''.join(export.chunks).count('\n') == len(events[private])

    for stranger in (BOB, CAROL):  # the private session shows through no archive path
        with pytest.raises(NotAllowed):
            await world.sessions.get(stranger, private)
        for kind in ('jsonl', 'txt'):
            with pytest.raises(NotAllowed):
                await world.sessions.transcript_export(stranger, private, kind)
        with pytest.raises(NotAllowed):
            await world.fleet.summary(stranger)
        listed = {row.id: row for row in await world.sessions.list(stranger)}
        assert private not in listed and listed[team].deleted_upstream
        assert (await world.sessions.get(stranger, team)).deleted_upstream
        assert (await world.sessions.get(stranger, team)).may_act is False  # another's session
        text = ''.join((await world.sessions.transcript_export(stranger, team, 'txt')).chunks)
        assert 'the team one' in text
    admin_rows = {row.id: row for row in await world.sessions.list(ADMIN)}
    assert admin_rows[private].deleted_upstream and admin_rows[private].owner == 'alice'


async def test_facts_come_from_whole_archives_only(world, upstream):
    done = await archived(world, ALICE, 'scenario: success', 'team')
    running = await world.sessions.launch(ALICE, LaunchRequest(agent_id=CODEX, prompt='scenario: long'))
    hub = world.hubs.hub(running)
    hub.follow()
    while hub.rows_read < 3:
        await asyncio.sleep(0.02)
    summary = await world.fleet.summary(ADMIN)
    assert world.fleet._facts[done].cost_usd and summary.cost_by_person['alice'] > 0
    assert world.store.kv.get(f'facts.v2:{done}') is not None
    assert await world.fleet._read(running) is None  # being read: never taken as final
    assert world.store.kv.get(f'facts.v2:{running}') is None
    world.sessions.export_wait = 0.05
    export = await world.sessions.transcript_export(ALICE, running, 'txt')
    assert not export.complete and 'still running' in export.note
    assert ''.join(export.chunks).startswith('[incomplete] ')
    await upstream.terminate(running)


async def test_the_dry_run_lists_archived_copies_and_archive_retention_removes_them(world, upstream):
    kept = await archived(world, ALICE, 'scenario: success', 'team')
    expiring = await archived(world, ALICE, 'scenario: success', 'private')
    world.clock[0] = time.time() - 3 * 86400  # AoD deleted this one three days ago
    await world.sessions.delete(ALICE, expiring)
    world.clock[0] = time.time()
    await world.sessions.delete(ALICE, kept)  # and this one just now
    plan = await world.retention.plan()
    assert [(item.session_id, item.action) for item in plan] == [(expiring, 'remove copy')]
    assert 'deleted in AoD 3.0 days ago' in plan[0].reason
    report = await world.retention.run('ada')
    assert report.copies_removed == 1
    assert expiring not in world.archive and world.store.sessions.get(expiring) is None
    with pytest.raises(NotAllowed):
        await world.sessions.get(ALICE, expiring)
    assert (await world.sessions.get(ALICE, kept)).deleted_upstream


async def test_a_follow_up_reopens_a_session_archived_whole_and_archives_the_new_turn(world, upstream):
    session_id = await archived(world, ALICE, 'scenario: success', 'team')
    await asyncio.sleep(0.5)  # the unwatched hub stops
    assert world.hubs.get(session_id) is None
    await world.sessions.follow_up(ALICE, session_id, 'scenario: success\nand once more')
    hub = world.hubs.get(session_id)
    assert hub is not None and hub.following and hub.viewer_count == 0
    await asyncio.wait_for(hub.settled.wait(), 30)
    assert world.archive.complete(session_id)
    events = await world.archive.events(session_id)
    exits = [index for index, event in enumerate(events) if event['type'] == 'exit']
    assert len(exits) == 2 and exits[-1] == len(events) - 1  # each turn's end, as it was received
    # a replay from the start sends only the last turn's end
    assert [e for i, e in enumerate(events) if i != exits[0]] == await replay(upstream, session_id)
    assert [e.get('turn') for e in events if e.get('type') == 'turn_start'] == [1, 2]
    export = await world.sessions.transcript_export(BOB, session_id, 'txt')
    assert export.complete and 'and once more' in ''.join(export.chunks)
    await asyncio.sleep(0.5)
    assert world.hubs.get(session_id) is None
    # a follow-up from elsewhere: the follower sees the session active again and follows it, unwatched
    await upstream.prompt(session_id, 'scenario: success\nfrom elsewhere')
    follower = Follower(world.archive, world.hubs, lambda: world.sessions.aod_sessions(fresh=True),
                        upstream.get_session, streams=0)
    await follower.scan()
    hub = world.hubs.get(session_id)
    assert hub is not None and hub.following
    await asyncio.wait_for(hub.settled.wait(), 30)
    events = await world.archive.events(session_id)
    assert [e.get('turn') for e in events if e.get('type') == 'turn_start'] == [1, 2, 3]
    assert world.archive.complete(session_id)


async def test_the_monthly_budget_counts_the_costs_of_whole_archives(world, upstream):
    done = await archived(world, ALICE, 'scenario: success', 'team')
    running = await world.sessions.launch(ALICE, LaunchRequest(agent_id=BUG_FIX, prompt='scenario: long'))
    share = world.sessions.fair_share
    assert world.store.kv.get(f'facts.v2:{done}') is None  # nobody asked yet: Operations has not been opened
    share.monthly_budget = 1000.0
    usage = await share.usage(ALICE)
    cost = world.store.kv.get(f'facts.v2:{done}')['cost_usd']
    assert cost > 0 and usage.cost_usd == pytest.approx(cost)  # read from the archive, and kept
    assert share.facts.cached(running) is None
    share.monthly_budget = cost / 2
    with pytest.raises(LimitReached, match='budget'):
        await world.sessions.launch(ALICE, LaunchRequest(agent_id=BUG_FIX, prompt='one more'))
    await upstream.terminate(running)
