"""Archive retention removes the copies of sessions AoD deleted once they are older than the archive limit: each
copy is checked again right before it goes, every removal is audited, and a session AoD deletes on the policy's
account stays readable from the archive until then."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest
from nicegui import core

from aod_ui.services import RetentionPolicy
from aod_ui.simulator import SimulatorConfig, SimulatorServer
from aod_ui.upstream import Upstream

from ..helpers import BUG_FIX, DASHBOARD_TOKEN
from .world import ALICE, World, archived, world_on

DAY = 86400


async def deleted_days_ago(world: World, days: float) -> str:
    """A whole archived session that AoD deleted `days` ago (by the archive's clock)."""
    session_id = await archived(world, ALICE, f'scenario: success\ndeleted {days} days ago', 'team')
    world.clock[0] = time.time() - days * DAY
    await world.sessions.delete(ALICE, session_id)
    world.clock[0] = time.time()
    return session_id


def removals(world: World) -> list[tuple]:
    return [(e.actor, e.action, e.outcome, e.session_id, e.detail)
            for e in reversed(world.store.audit.query(action='retention archive removal'))]


async def test_each_expired_copy_is_removed_once_oldest_first_and_audited_with_its_reason(world):
    newer = await deleted_days_ago(world, 3)
    older = await deleted_days_ago(world, 4)
    kept = await deleted_days_ago(world, 1)
    plan = await world.retention.plan()
    assert [(item.session_id, item.action) for item in plan] == [(older, 'remove copy'), (newer, 'remove copy')]
    report = await world.retention.run('ada')
    assert (report.copies_removed, report.skipped, report.deleted, report.failed) == (2, 0, 0, [])
    assert removals(world) == [('ada', 'retention archive removal', 'ok', older, plan[0].reason),
                               ('ada', 'retention archive removal', 'ok', newer, plan[1].reason)]
    assert older not in world.archive and newer not in world.archive and kept in world.archive
    assert world.store.sessions.get(older) is None and world.store.sessions.get(kept) is not None
    assert (await world.retention.run('ada')).copies_removed == 0


async def test_a_copy_pinned_after_the_plan_is_kept_and_counted_as_skipped(world):
    pinned = await deleted_days_ago(world, 3)
    other = await deleted_days_ago(world, 4)
    plan = await world.retention.plan()
    assert {item.session_id for item in plan} == {pinned, other}
    # the run is cut short before it starts; someone pins one of its sessions; the run resumes from its plan
    world.store.kv.set('retention.run', {'id': 'cut', 'by': 'ada', 'started_at': 1.0,
                                         'items': [asdict(item) for item in plan]})
    world.store.kv.set('retention.progress', {'id': 'cut', 'next': 0})
    world.store.sessions.set_pinned(pinned, True)
    report = await world.retention.run('ada')
    assert (report.resumed, report.copies_removed, report.skipped) == (True, 1, 1)
    assert pinned in world.archive and world.store.sessions.get(pinned).pinned
    assert [line[3] for line in removals(world)] == [other]


async def test_a_copy_no_longer_expired_by_the_run_is_kept_even_unpinned(world):
    first = await deleted_days_ago(world, 3)
    second = await deleted_days_ago(world, 3.5)
    plan = await world.retention.plan()
    assert len(plan) == 2
    world.store.kv.set('retention.run', {'id': 'cut', 'by': 'ada', 'started_at': 1.0,
                                         'items': [asdict(item) for item in plan]})
    world.store.kv.set('retention.progress', {'id': 'cut', 'next': 0})
    # meanwhile an admin raised the archive limit to five days: neither copy is old enough any more
    report = await world.retention_with(policy=RetentionPolicy(archive_days=5)).run('ada')
    assert (report.copies_removed, report.skipped) == (0, 2)
    assert first in world.archive and second in world.archive and removals(world) == []


async def test_a_run_resumed_without_the_archive_skips_the_copies_it_planned(world):
    copy = await deleted_days_ago(world, 3)
    plan = await world.retention.plan()
    world.store.kv.set('retention.run', {'id': 'cut', 'by': 'ada', 'started_at': 1.0,
                                         'items': [asdict(item) for item in plan]})
    world.store.kv.set('retention.progress', {'id': 'cut', 'next': 0})
    # the dashboard restarted with archiving switched off: the planned removal is not carried out
    report = await world.retention_with(archive=None).run('ada')
    assert (report.resumed, report.copies_removed, report.skipped) == (True, 0, 1)
    assert copy in world.archive and removals(world) == []


async def test_copies_age_by_the_retention_clock_at_the_plan_and_at_the_re_check(world):
    copy = await deleted_days_ago(world, 1)  # by the archive's clock AoD deleted it a day ago: too young
    assert await world.retention.plan() == []
    later = world.retention_with(clock=lambda: datetime.now(UTC) + timedelta(days=2))  # two days on
    [item] = await later.plan()
    assert item.session_id == copy and 'deleted in AoD 3.0 days ago' in item.reason
    assert (await later.run('ada')).copies_removed == 1
    assert copy not in world.archive


@pytest.fixture
def own_simulator() -> Iterator[SimulatorServer]:
    """A simulator holding only this test's sessions: an age policy run on the shared one would delete every other
    test's sessions too."""
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(DASHBOARD_TOKEN,), time_scale=0.02, seed=5,
                                             heartbeat=1.0)).start_in_thread()
    yield server
    server.stop_thread()


@pytest.fixture
async def lone_world(own_simulator: SimulatorServer, tmp_path) -> AsyncIterator[World]:
    core.loop = asyncio.get_running_loop()
    async with contextlib.AsyncExitStack() as stack:
        client = Upstream(own_simulator.url, DASHBOARD_TOKEN, timeout=10)
        stack.push_async_callback(client.aclose)
        yield await stack.enter_async_context(world_on(client, tmp_path / 'data'))


async def test_a_session_the_policy_deletes_in_aod_stays_readable_from_the_archive_until_its_copy_expires(
        lone_world):
    world = lone_world
    session_id = await archived(world, ALICE, 'scenario: success\nold work', 'team')
    month = world.retention_with(policy=RetentionPolicy(days=1, archive_days=2),
                                 clock=lambda: datetime.now(UTC) + timedelta(days=3))
    assert [item.session_id for item in await month.plan()] == [session_id]
    assert (await month.run('ada')).deleted == 1
    # the run itself marks the copy deleted upstream (before any read of the session could notice it is gone)
    assert world.archive.meta(session_id)['deleted_upstream_at'] == world.clock[0]
    assert world.store.sessions.get(session_id) is not None
    world.sessions.invalidate()
    detail = await world.sessions.get(ALICE, session_id)
    assert detail.deleted_upstream and detail.turns[0].prompt.endswith('old work')
    assert world.archive.meta(session_id)['deleted_upstream_at'] == world.clock[0]
    later = world.retention_with(clock=lambda: datetime.now(UTC) + timedelta(days=2, minutes=1))
    assert [(item.session_id, item.action) for item in await later.plan()] == [(session_id, 'remove copy')]


async def test_a_pinned_copy_is_not_planned_and_a_copy_names_its_owner_title_and_agent(world):
    pinned = await deleted_days_ago(world, 3)
    world.store.sessions.set_pinned(pinned, True)
    unnamed = await deleted_days_ago(world, 4)
    world.store.sessions.update(unnamed, agent_name='')  # no name kept with the record: the archived info names it
    [item] = await world.retention.plan()
    assert (item.session_id, item.action, item.status, item.owner, item.title) == (
        unnamed, 'remove copy', 'deleted upstream', 'alice', 'scenario: success')
    assert item.agent == world.sessions.agent_name(BUG_FIX) != world.sessions.agent_name(None)
    assert item.reason == 'deleted in AoD 4.0 days ago (archive limit 2 days)'
    assert (await world.retention.run('ada')).copies_removed == 1
    assert pinned in world.archive and unnamed not in world.archive
