"""The follower: every active session followed, watched or not; finished ones backfilled newest first, a bounded
number at a time, through each session's one hub; sessions AoD no longer has are marked."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

from aod_ui.archive._follower import Follower
from aod_ui.upstream import Upstream

from .conftest import open_archive, registry_for


async def test_backfill_newest_first_bounded_and_deletions_marked(upstream, simulator, sim_control, folder):
    token = 'aod_backfill_' + secrets.token_hex(8)  # an owner of its own: only these sessions are listed
    sim_control.post(f'/_sim/tokens/{token}')
    now = datetime.now(UTC)
    seeds = [{'token': token, 'status': 'completed', 'prompt': f'old {hours}',
              'created_at': (now - timedelta(hours=hours)).isoformat()} for hours in (5, 1, 3, 2, 6, 4)]
    created = sim_control.post('/_sim/sessions', json=seeds).json()['data']
    newest_first = [s['id'] for s in sorted(created, key=lambda s: s['created_at'], reverse=True)]
    client = Upstream(simulator.url, token, timeout=10)
    archive = open_archive(folder)
    started: list[str] = []
    most = 0
    try:
        async with registry_for(client, archive) as hubs:
            follower = Follower(archive, hubs, client.list_sessions, client.get_session, rate=100, streams=2,
                                scan_interval=0.2)
            task = asyncio.get_running_loop().create_task(follower.run())
            deadline = asyncio.get_running_loop().time() + 30
            while not all(archive.complete(session_id) for session_id in newest_first):
                assert asyncio.get_running_loop().time() < deadline and not task.done()
                most = max(most, len(follower.reading))
                started += [s for s in sorted(follower.reading, key=newest_first.index) if s not in started]
                await asyncio.sleep(0.002)
            assert most <= 2
            assert started == newest_first[:len(started)] and len(started) >= 4  # (a fast one may go unseen)

            await client.delete(newest_first[0])
            codex = next(a.id for a in await client.list_agents() if a.name == 'codex-refactor')  # agents per owner
            live = (await client.create_session(agent_id=codex, prompt='scenario: long')).id
            await follower.scan()
            assert archive.deleted_upstream(newest_first[0])
            assert not archive.deleted_upstream(newest_first[1])
            hub = hubs.get(live)
            assert hub is not None and hub.following and hub.viewer_count == 0
            while hub.rows_read < 2:  # followed without a viewer, into the archive
                await asyncio.sleep(0.02)
            await client.terminate(live)
            await asyncio.wait_for(hub.settled.wait(), 15)
            assert archive.complete(live)
            task.cancel()
    finally:
        await client.aclose()
