"""Every role × action × visibility × ownership, first as rules, then through the services with direct calls that
bypass every page."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

import pytest
from nicegui import core

from aod_ui.errors import NotAllowed
from aod_ui.hub import HubRegistry
from aod_ui.services import Actor, LaunchRequest, SessionService, Upstreams, can_act, can_launch, can_view
from aod_ui.upstream import Upstream
from storage import SessionRecord, memory_store

from ..helpers import CODEX, DASHBOARD_TOKEN

ADMIN = Actor('ada', 'admin')
OWNER = Actor('olga', 'member')
OTHER = Actor('max', 'member')
VIEWER = Actor('vic', 'viewer')


@dataclass
class Record:
    owner: str
    visibility: str


def expected(actor: Actor, visibility: str | None, action: str) -> bool:
    """The rules, written out: admins do everything; a session nobody recorded is for admins only; team sessions
    are watched by all; acting is for the owner (unless a viewer) and admins; viewers start nothing."""
    if action == 'launch':
        return actor.role in {'admin', 'member'}
    if actor.role == 'admin':
        return True
    if visibility is None:
        return False
    owner = actor is OWNER
    if action == 'view':
        return visibility == 'team' or owner
    return owner and actor.role != 'viewer'


CASES = list(itertools.product([ADMIN, OWNER, OTHER, VIEWER], ['team', 'private', None],
                               ['view', 'act', 'launch']))


@pytest.mark.parametrize(('actor', 'visibility', 'action'), CASES,
                         ids=[f'{a.username}-{v}-{x}' for a, v, x in CASES])
def test_rules(actor, visibility, action):
    record = None if visibility is None else Record(owner=OWNER.username, visibility=visibility)
    decide = {'view': can_view, 'act': can_act, 'launch': lambda a, _: can_launch(a)}[action]
    assert decide(actor, record) is expected(actor, visibility, action)


@pytest.fixture
async def service(simulator):
    core.loop = asyncio.get_running_loop()
    upstream = Upstream(simulator.url, DASHBOARD_TOKEN, timeout=10)
    store = memory_store()
    hubs = HubRegistry(lambda _: upstream, spawn=lambda c, n: asyncio.get_running_loop().create_task(c))
    yield SessionService(Upstreams(upstream, store=store), store, hubs)
    await hubs.stop_all()
    await upstream.aclose()


async def started(service: SessionService, visibility: str | None, scenario: str = 'long') -> str:
    ack = await service.upstream.create_session(agent_id=CODEX, prompt=f'scenario: {scenario}')
    if visibility is not None:
        service.store.sessions.add(SessionRecord(session_id=ack.id, agent_id=CODEX, agent_name='codex-refactor',
                                                 prompt='p', owner=OWNER.username, visibility=visibility))
    return ack.id


async def wait_status(service: SessionService, session_id: str, status: str) -> None:
    for _ in range(300):
        if (await service.upstream.get_session(session_id)).status == status:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f'session never became {status}')


SERVICE_CASES = list(itertools.product([ADMIN, OWNER, OTHER, VIEWER], ['team', 'private', None],
                                       ['view', 'stop', 'delete', 'follow-up']))


@pytest.mark.parametrize(('actor', 'visibility', 'action'), SERVICE_CASES,
                         ids=[f'{a.username}-{v}-{x}' for a, v, x in SERVICE_CASES])
async def test_service_actions_are_checked_on_the_server(service, actor, visibility, action):
    allowed = expected(actor, visibility, 'view' if action == 'view' else 'act')
    scenario = 'long' if action in {'view', 'stop'} else 'success'
    session_id = await started(service, visibility, scenario)
    if action in {'delete', 'follow-up'}:
        await wait_status(service, session_id, 'completed')
    call = {
        'view': lambda: service.get(actor, session_id),
        'stop': lambda: service.stop(actor, session_id),
        'delete': lambda: service.delete(actor, session_id),
        'follow-up': lambda: service.follow_up(actor, session_id, 'again\nscenario: success'),
    }[action]
    if allowed:
        await call()
    else:
        with pytest.raises(NotAllowed):
            await call()
        if action != 'view':
            entries = service.store.audit.query(actor=actor.username, session_id=session_id)
            assert entries and entries[0].outcome == 'denied'
    after = await service.upstream.list_sessions()
    status = {s.id: s.status for s in after}.get(session_id)
    if action == 'stop':
        assert (status == 'terminated') is allowed
    elif action == 'delete':
        assert (status is None) is allowed
    elif action == 'follow-up':
        assert (status in {'pending', 'running', 'completed'}) and (
            len(await service.upstream.turns(session_id)) == (2 if allowed else 1))
    if status in {'pending', 'running'}:
        await service.upstream.terminate(session_id)


async def test_unrecorded_sessions_are_listed_for_admins_only(service):
    session_id = await started(service, None, 'success')
    assert session_id in {r.id for r in await service.list(ADMIN)}
    service.invalidate()
    for actor in (OWNER, OTHER, VIEWER):
        assert session_id not in {r.id for r in await service.list(actor)}


async def test_viewers_cannot_launch(service):
    with pytest.raises(NotAllowed):
        await service.launch(VIEWER, LaunchRequest(agent_id=CODEX, prompt='hello'))
    assert service.store.audit.query(actor=VIEWER.username)[0].outcome == 'denied'
