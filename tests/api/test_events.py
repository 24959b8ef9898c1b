"""Following a session through the API: one more hub viewer, never one more upstream stream; resuming with
Last-Event-ID without a gap or a duplicate."""

from __future__ import annotations

import asyncio
import json

import httpx

from aod_ui.hub import HubRegistry
from aod_ui.services import TokenBucket

from ..helpers import DASHBOARD_TOKEN
from .support import follow, rows, streams_opened, types, wait_status


async def test_api_followers_and_the_hub_share_one_upstream_stream(api, simulator):
    async with api.of('olga') as olga:
        session_id = (await olga.post('/sessions', json={'agent': 'codex-refactor',
                                                         'prompt': 'scenario: success'})).json()['id']
        before = await streams_opened(simulator.url)
        clients = [api.of(name) for name in ('olga', 'max', 'ada', 'vic') for _ in range(5)]
        try:
            received = await asyncio.gather(*(follow(client, session_id) for client in clients))
        finally:
            for client in clients:
                await client.aclose()
        assert await streams_opened(simulator.url) - before == 1
        assert api.system.hubs.get(session_id).connections == 1
        reference = rows(received[0])
        assert reference and reference == sorted(set(reference))
        assert all(rows(r) == reference for r in received)
        assert all(types(r)[-1] == 'exit' and types(r).count('exit') == 1 for r in received)


async def test_last_event_id_resumes_without_gap_or_duplicate(api, simulator):
    async with api.of('olga') as olga:
        session_id = (await olga.post('/sessions', json={'agent': 'codex-refactor',
                                                         'prompt': 'scenario: success'})).json()['id']
        whole = await follow(olga, session_id)
        head = await follow(olga, session_id, until=lambda got: len(rows(got)) >= 5)
        last = max(cursor for cursor, _ in head if cursor is not None)
        tail = await follow(olga, session_id, last=last)
        assert [r for r in rows(head) if r <= last] + rows(tail) == rows(whole)
        assert types(tail)[-1] == 'exit'
        # a finished session resumed from its very end repeats only its ending, as AoD does
        again = await follow(olga, session_id, last=whole[-1][1]['id'])
        assert types(again) in (['start', 'exit'], ['exit'])
        status = (await olga.get(f'/sessions/{session_id}/events', headers={'Last-Event-ID': 'soon'}))
        assert status.status_code == 422 and status.json()['error']['code'] == 'invalid_request'


async def test_a_page_viewer_and_api_followers_of_a_live_session_see_the_same_rows(api, simulator):
    async with api.of('olga') as olga:
        session_id = (await olga.post('/sessions', json={'agent': 'codex-refactor',
                                                         'prompt': 'scenario: long'})).json()['id']
        page_events: list[dict] = []
        hub = api.system.hubs.hub(session_id)  # what a page does: join the session's hub
        replay, viewer = hub.join(lambda batch: page_events.extend(batch.events))
        page_events[:0] = replay
        for _ in range(500):  # the hub has opened its stream and the page has output
            if any(e.get('type') == 'output' for e in page_events):
                break
            await asyncio.sleep(0.02)
        before = await streams_opened(simulator.url)
        following = asyncio.create_task(follow(olga, session_id, until=lambda got: len(rows(got)) >= 12))
        received = await following
        await asyncio.sleep(0.2)
        assert await streams_opened(simulator.url) == before  # the hub's one stream, nothing more
        page_rows = [e['id'] for e in page_events if e.get('type') in {'stage', 'output'}]
        assert rows(received) == page_rows[:len(rows(received))]
        for _ in range(200):  # the follower that left is no longer a viewer; the page still is
            if hub.viewer_count == 1:
                break
            await asyncio.sleep(0.02)
        assert hub.viewer_count == 1
        viewer.close()
        await olga.post(f'/sessions/{session_id}/stop')


async def test_private_sessions_of_others_cannot_be_followed(api):
    async with api.of('olga') as olga, api.of('max') as max_:
        session_id = (await olga.post('/sessions', json={'agent': 'codex-refactor', 'visibility': 'private',
                                                         'prompt': 'scenario: success'})).json()['id']
        answer = await max_.get(f'/sessions/{session_id}/events')
        assert answer.status_code == 404 and answer.json()['error']['message'].startswith('No such session')
        assert api.system.hubs.get(session_id) is None or api.system.hubs.get(session_id).viewer_count == 0


async def test_followers_joining_at_any_moment_all_get_the_turns_end_once(api, simulator):
    api.system.api_tokens.limiter = TokenBucket(100_000)  # hundreds of followers on one token here
    async with api.of('olga') as olga:
        session_id = (await olga.post('/sessions', json={'agent': 'codex-refactor',
                                                         'prompt': 'scenario: success'})).json()['id']
        first = asyncio.create_task(follow(olga, session_id))
        tasks: list[asyncio.Task] = [first]
        ended_at = None
        loop = asyncio.get_running_loop()
        # joiners all along the session, and for a second after its end reached the first follower: some join
        # between the end reaching the hub and AoD closing the stream
        while ended_at is None or loop.time() - ended_at < 1.0:
            tasks.append(asyncio.create_task(follow(olga, session_id)))
            await asyncio.sleep(0.01)
            if ended_at is None and first.done():
                ended_at = loop.time()
        received = [await task for task in tasks]
        reference = rows(received[0])
        assert all(types(r)[-1] == 'exit' and types(r).count('exit') == 1 for r in received)
        assert all(rows(r) == reference for r in received)


async def test_heartbeats_in_silence_and_an_expiry_noticed_at_the_next(api, monkeypatch):
    from aod_ui.api import _events
    monkeypatch.setattr(_events, 'HEARTBEAT', 0.2)
    tokens = api.system.api_tokens
    secret = await api.token('max', name='short', days=1)
    async with api.of('olga') as olga, api.client(secret) as max_:
        session_id = (await olga.post('/sessions', json={'agent': 'codex-refactor',
                                                         'prompt': 'scenario: stall'})).json()['id']
        lines: list[str] = []
        async with asyncio.timeout(20), max_.stream('GET', f'/sessions/{session_id}/events') as response:
            async for line in response.aiter_lines():
                lines.append(line)
                silent = lines[next((i for i, x in enumerate(lines) if '"type":"output"' in x), len(lines)):]
                if silent.count(': heartbeat') == 2 and line == ': heartbeat':  # after its one line, silence
                    real = tokens.clock
                    tokens.clock = lambda real=real: real() + 2 * 86400  # the token expires: no event says so
        assert lines.count(': heartbeat') >= 2
        last = json.loads(next(line for line in reversed(lines) if line.startswith('data: '))[6:])
        assert last['type'] == 'dashboard' and last['code'] == 'access_ended' and 'expired' in last['message']
        await olga.post(f'/sessions/{session_id}/stop')


async def test_a_session_made_private_ends_others_followers_at_once(api):
    async with api.of('olga') as olga, api.of('max') as max_:
        session_id = (await olga.post('/sessions', json={'agent': 'codex-refactor',
                                                         'prompt': 'scenario: stall'})).json()['id']
        following = asyncio.create_task(follow(max_, session_id, timeout=20))
        await asyncio.sleep(1.0)
        await api.system.sessions.set_visibility(api.system.people.actor('olga'), session_id, 'private')
        received = await asyncio.wait_for(following, 3)  # long before a heartbeat (15 s)
        assert received[-1][1] == {'type': 'dashboard', 'code': 'access_ended',
                                   'message': 'No such session: it may have been deleted, or you may not have '
                                              'access to it.'}
        await olga.post(f'/sessions/{session_id}/stop')


async def test_a_session_deleted_upstream_says_so(api, simulator):
    async with api.of('olga') as olga, api.of('ada') as ada:
        session_id = (await olga.post('/sessions', json={'agent': 'codex-refactor',
                                                         'prompt': 'scenario: success'})).json()['id']
        await wait_status(olga, session_id, 'completed')
        api.system.store.sessions.remove(session_id)  # AoD deleted it behind the dashboard's back; admins still look
        async with httpx.AsyncClient(base_url=simulator.url, headers={'Authorization': f'Bearer {DASHBOARD_TOKEN}'}
                                     ) as aod:
            assert (await aod.delete(f'/sessions/{session_id}/delete')).status_code == 200
        for _ in range(2):  # the follower whose hub finds it gone, and one that joins the hub after that
            received = await follow(ada, session_id)
            assert received[-1][1] == {'type': 'dashboard', 'code': 'gone',
                                       'message': 'AoD no longer knows this session: it was deleted.'}


async def test_a_follower_is_told_when_the_hub_let_the_oldest_events_go(api):
    system = api.system
    # a hub that holds only about the latest ten events, as a long session's does its latest AOD_UI_STREAM_HOLD
    system.hubs = system.sessions.hubs = HubRegistry(lambda s: system.upstreams.for_session(s), hold=10)
    async with api.of('olga') as olga:
        session_id = (await olga.post('/sessions', json={'agent': 'codex-refactor',
                                                         'prompt': 'scenario: success'})).json()['id']
        whole = await follow(olga, session_id)
        assert system.hubs.get(session_id).dropped > 0
        late = await follow(olga, session_id)
        assert late[0][1]['type'] == 'dashboard' and late[0][1]['code'] == 'truncated'
        assert f'/api/v1/sessions/{session_id}/transcript' in late[0][1]['message']
        assert rows(late) == rows(whole)[-len(rows(late)):] and types(late)[-1] == 'exit'
        resumed = await follow(olga, session_id, last=rows(whole)[-2])  # still within what the hub holds
        assert 'dashboard' not in types(resumed) and rows(resumed) == rows(whole)[-1:]
    await system.hubs.stop_all()


async def test_a_client_resuming_from_before_what_the_hub_holds_gets_the_rest_from_the_archive(api):
    system = api.system
    # a hub that holds only about the latest ten events, as a long session's does its latest AOD_UI_STREAM_HOLD,
    # writing the dashboard's archive as it reads
    system.hubs = system.sessions.hubs = HubRegistry(lambda s: system.upstreams.for_session(s), hold=10,
                                                     archive=system.archive)
    async with api.of('olga') as olga:
        session_id = (await olga.post('/sessions', json={'agent': 'codex-refactor',
                                                         'prompt': 'scenario: chatty\nevents: 300\nrate: 100'}
                                      )).json()['id']
        whole_task = asyncio.create_task(follow(olga, session_id))
        hub, archived = None, []
        for _ in range(600):  # live, well past what the hub holds, and archived that far
            hub = system.hubs.get(session_id)
            if hub is not None and hub.dropped > 40 and hub.state.phase == 'live':
                archived = [e['id'] for e in await system.archive.events(session_id) if e.get('type') == 'output']
                if len(archived) > 20:
                    break
            await asyncio.sleep(0.02)
        assert hub is not None and hub.dropped > 40 and len(archived) > 20
        early = archived[0]
        live = await follow(olga, session_id, last=early)  # from the archive, then the hub's, then live
        whole = await whole_task
        assert not whole_task.exception()
        later = await follow(olga, session_id, last=early)  # the session finished: archive, then the hub's
        for resumed in (live, later):
            assert 'dashboard' not in types(resumed)
            assert rows(resumed) == [r for r in rows(whole) if r > early]  # no gap, no duplicate
            assert types(resumed).count('start') <= 1 and types(resumed)[-1] == 'exit'
            assert types(resumed).count('exit') == 1
    await system.hubs.stop_all()


async def test_a_client_reading_too_slowly_is_told_it_fell_behind_and_resumes_without_a_gap(api, monkeypatch):
    from aod_ui.api import _events
    monkeypatch.setattr(_events, 'MAX_BACKLOG', 2)  # batches left unread (2,000 in use)
    api.system.archive.listener = None  # megabytes of output: archived, not indexed (not what is tested here)
    async with api.of('olga') as olga, api.of('olga') as reader:
        session_id = (await olga.post('/sessions', json={'agent': 'codex-refactor',
                                                         'prompt': 'scenario: huge\nlines: 600000'})).json()['id']
        received: list[tuple[int | None, dict]] = []
        async with asyncio.timeout(60), reader.stream('GET', f'/sessions/{session_id}/events') as response:
            lines = response.aiter_lines()
            cursor = None
            async for line in lines:
                if line.startswith('id: '):
                    cursor = int(line[4:])
                elif line.startswith('data: '):
                    received.append((cursor, json.loads(line[6:])))
                    cursor = None
                    if len(received) == 1:
                        # reading nothing while the session writes 15 megabytes to its end: once the sockets'
                        # buffers are full the server's writes wait for this client, and the hub's batches queue
                        hub = api.system.hubs.get(session_id)
                        while hub.state.phase not in {'idle', 'stopped'}:
                            await asyncio.sleep(0.1)
        assert received[-1][1]['type'] == 'dashboard' and received[-1][1]['code'] == 'behind', types(received)[-5:]
        assert 'Last-Event-ID' in received[-1][1]['message']
        assert rows(received) == sorted(set(rows(received)))
        monkeypatch.undo()  # the usual backlog again: the clients below read as fast as they can
        rest = await follow(olga, session_id, last=rows(received)[-1], timeout=60)
        whole = await follow(olga, session_id, timeout=60)
        assert rows(received) + rows(rest) == rows(whole) and types(rest)[-1] == 'exit'
