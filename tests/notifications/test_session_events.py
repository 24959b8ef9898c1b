"""Session events from AoD's list (the real simulator), who hears of them, and the webhooks they reach (a real
receiver on loopback): private sessions only when their owner announces them."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from nicegui import core

from aod_ui.errors import NotAllowed, UpstreamError
from aod_ui.hub import HubRegistry
from aod_ui.services import Actor, LaunchRequest, Notifications, SessionService, Upstreams, WebhookService
from aod_ui.upstream import Upstream
from storage import User, memory_store

from ..helpers import CODEX, DASHBOARD_TOKEN
from .test_webhooks import Receiver, receiver  # noqa: F401  (the fixture)

ADMIN = Actor('ada', 'admin')
OWNER = Actor('olga', 'member')
OTHER = Actor('max', 'member')


@pytest.fixture
async def notifications(simulator, receiver):  # noqa: F811
    core.loop = asyncio.get_running_loop()
    upstream = Upstream(simulator.url, DASHBOARD_TOKEN, timeout=20)
    hubs = HubRegistry(lambda _: upstream, spawn=lambda c, n: asyncio.get_running_loop().create_task(c))
    store = memory_store()
    for actor in (ADMIN, OWNER, OTHER):
        store.users.add(User(username=actor.username, role=actor.role))  # type: ignore[arg-type]
    sessions = SessionService(Upstreams(upstream, store=store), store, hubs, list_ttl=0.0)
    webhooks = WebhookService(store, spawn=lambda coro, name: asyncio.get_running_loop().create_task(coro))
    await webhooks.add(ADMIN, receiver.url, 'json')
    events = Notifications(sessions, webhooks, public_url='https://dash.example')
    yield events
    for record in store.sessions.all():
        with contextlib.suppress(UpstreamError):
            await upstream.terminate(record.session_id)
    await webhooks.aclose()
    await hubs.stop_all()
    await upstream.aclose()


async def until(check, timeout: float = 15.0):
    for _ in range(int(timeout / 0.05)):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError('never happened')


def delivered(receiver: Receiver) -> list[tuple[str, str]]:  # noqa: F811
    return [(json.loads(b)['event'], json.loads(b)['session']['id']) for _, b in receiver.received]


async def test_launch_and_finish_reach_the_webhooks_and_the_people_concerned(notifications, receiver):  # noqa: F811
    sessions = notifications.sessions
    assert await notifications.scan() == []  # the first scan learns what is there
    heard = []
    notifications.happened.subscribe(heard.append)
    team = await sessions.launch(OWNER, LaunchRequest(agent_id=CODEX, prompt='Team work\nscenario: success'))
    private = await sessions.launch(OWNER, LaunchRequest(agent_id=CODEX, prompt='Quiet work\nscenario: success',
                                                         visibility='private'))
    kinds: dict[tuple[str, str], int] = {}

    async def both_finished():
        for event in await notifications.scan():
            kinds[(event.kind, event.session_id)] = 1
        return ('finished', team) in kinds and ('finished', private) in kinds
    await until(both_finished)
    assert {('launched', team), ('launched', private)} <= set(kinds)
    await until(lambda: asyncio.sleep(0, len(receiver.received) >= 2))
    await asyncio.sleep(0.2)
    assert sorted(delivered(receiver)) == [('session.finished', team), ('session.launched', team)]
    event = next(e for e in heard if e.session_id == team and e.kind == 'finished')
    assert event.url == f'https://dash.example/sessions/{team}' and event.title == 'Team work'
    # who hears of it in their browser: the owner and watchers who turned notifications on and may see it
    assert not notifications.wants('olga', event)
    await notifications.set_browser_notices(OWNER, True)
    await notifications.set_browser_notices(OTHER, True)
    await notifications.set_browser_notices(ADMIN, True)
    assert notifications.wants('olga', event) and not notifications.wants('max', event)
    await notifications.watch(OTHER, team, True)
    assert notifications.wants('max', event) and notifications.watching(OTHER, team)
    private_event = next(e for e in heard if e.session_id == private and e.kind == 'finished')
    with pytest.raises(NotAllowed):
        await notifications.watch(OTHER, private, True)
    assert notifications.wants('olga', private_event) and not notifications.wants('max', private_event)
    assert not notifications.wants('ada', private_event)  # an admin who does not watch it
    await notifications.watch(ADMIN, private, True)
    assert notifications.wants('ada', private_event)


async def test_a_private_session_reaches_the_webhooks_once_its_owner_announces_it(notifications, receiver):  # noqa: F811
    sessions = notifications.sessions
    await notifications.scan()
    private = await sessions.launch(OWNER, LaunchRequest(agent_id=CODEX, prompt='Long\nscenario: long',
                                                         visibility='private'))
    with pytest.raises(NotAllowed):
        await notifications.announce(OTHER, private, True)
    await notifications.announce(OWNER, private, True)
    await notifications.scan()
    await sessions.stop(OWNER, private)
    sessions.invalidate()
    await until(lambda: notifications.scan())
    await until(lambda: asyncio.sleep(0, len(receiver.received) >= 2))
    assert sorted(delivered(receiver)) == [('session.launched', private), ('session.stopped', private)]
