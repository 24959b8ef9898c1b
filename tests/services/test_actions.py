"""Every service action × person × visibility, called directly (bypassing every page) against the simulator, and
judged by the independent oracle `expected()`: an allowed action takes effect, a refused one raises `NotAllowed`,
changes nothing and (for actions on a session) leaves a `denied` line in the audit trail."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from nicegui import core

from aod_ui.errors import NotAllowed
from aod_ui.hub import HubRegistry
from aod_ui.services import (
    Actor,
    LaunchRequest,
    RetentionPolicy,
    RetentionService,
    SessionService,
    TokenService,
    TokenVault,
    Upstreams,
)
from aod_ui.upstream import Upstream
from storage import SessionRecord, User, memory_store

from ..helpers import CODEX, DASHBOARD_TOKEN
from .test_policy import ADMIN, OTHER, OWNER, VIEWER, expected, may_manage_token

PEOPLE = [ADMIN, OWNER, OTHER, VIEWER]
SESSION_ACTIONS = ['view', 'export', 'stop', 'delete', 'follow-up', 'pin', 'labels', 'visibility', 'ownership']


@pytest.fixture
async def service(simulator):
    core.loop = asyncio.get_running_loop()
    upstream = Upstream(simulator.url, DASHBOARD_TOKEN, timeout=10)
    store = memory_store()
    for actor in PEOPLE:
        store.users.add(User(username=actor.username, role=actor.role))  # type: ignore[arg-type]
    hubs = HubRegistry(lambda _: upstream, spawn=lambda c, n: asyncio.get_running_loop().create_task(c))
    yield SessionService(Upstreams(upstream, store=store), store, hubs)
    await hubs.stop_all()
    await upstream.aclose()


async def seeded(simulator, service: SessionService, visibility: str | None, status: str) -> str:
    """A session placed straight into the simulator (no agent to wait for), recorded as OWNER's if `visibility`."""
    async with httpx.AsyncClient(base_url=simulator.url, timeout=10) as client:
        answer = await client.post('/_sim/sessions', json={'token': DASHBOARD_TOKEN, 'agent_id': CODEX,
                                                           'status': status, 'prompt': 'seeded for the matrix'})
    session_id = answer.json()['id']
    if visibility is not None:
        service.store.sessions.add(SessionRecord(session_id=session_id, agent_id=CODEX, agent_name='codex-refactor',
                                                 prompt='p', owner=OWNER.username, visibility=visibility))
    return session_id


def calls(service: SessionService, actor: Actor, session_id: str) -> dict[str, Callable[[], Awaitable[Any]]]:
    return {
        'view': lambda: service.get(actor, session_id),
        'export': lambda: service.transcript_export(actor, session_id, 'txt'),
        'stop': lambda: service.stop(actor, session_id),
        'delete': lambda: service.delete(actor, session_id),
        'follow-up': lambda: service.follow_up(actor, session_id, 'again\nscenario: success'),
        'pin': lambda: service.set_pinned(actor, session_id, True),
        'labels': lambda: service.set_labels(actor, session_id, ['urgent']),
        'visibility': lambda: service.set_visibility(actor, session_id, 'team' if private(service, session_id)
                                                     else 'private'),
        'ownership': lambda: service.assign_owner(actor, session_id, OTHER.username),
    }


def private(service: SessionService, session_id: str) -> bool:
    record = service.store.sessions.get(session_id)
    return record is not None and record.visibility == 'private'


SERVICE_CASES = list(itertools.product(PEOPLE, ['team', 'private', None], SESSION_ACTIONS))


@pytest.mark.parametrize(('actor', 'visibility', 'action'), SERVICE_CASES,
                         ids=[f'{a.username}-{v}-{x}' for a, v, x in SERVICE_CASES])
async def test_every_session_action_is_checked_on_the_server(simulator, service, actor, visibility, action):
    allowed = expected(actor, visibility, action)
    session_id = await seeded(simulator, service, visibility, 'running' if action == 'stop' else 'completed')
    before = service.store.sessions.get(session_id)
    call = calls(service, actor, session_id)[action]
    if allowed:
        result = await call()
    else:
        with pytest.raises(NotAllowed):
            await call()
        result = None
        if action not in {'view', 'export'}:
            entries = service.store.audit.query(actor=actor.username, session_id=session_id)
            assert entries and entries[0].outcome == 'denied'
        assert service.store.sessions.get(session_id) == before  # a refusal changes nothing here
    record = service.store.sessions.get(session_id)
    status = {s.id: s.status for s in await service.upstream.list_sessions()}.get(session_id)
    if action == 'view' and allowed:
        assert result.row.id == session_id
    elif action == 'export' and allowed:
        assert any('seeded for the matrix' in line for line in result)
    elif action == 'stop':
        assert (status == 'terminated') is allowed
    elif action == 'delete':
        assert (status is None) is allowed
        assert (record is None) is (allowed or visibility is None)
    elif action == 'follow-up':
        assert len(await service.upstream.turns(session_id)) == (2 if allowed else 1)
    elif action == 'pin' and visibility is not None:
        assert record.pinned is allowed
    elif action == 'labels' and visibility is not None:
        assert record.labels == (['urgent'] if allowed else [])
    elif action == 'visibility' and visibility is not None:
        assert (record.visibility != visibility) is allowed
    elif action == 'ownership':
        assert (record is not None and record.owner == OTHER.username) is allowed
    if status in {'pending', 'running'}:
        await service.upstream.terminate(session_id)


@pytest.mark.parametrize('actor', PEOPLE, ids=[a.username for a in PEOPLE])
async def test_retention_runs_are_for_admins_only(simulator, service, actor):
    session_id = await seeded(simulator, service, 'team', 'completed')

    async def this_session() -> list:
        return [i for i in await service.aod_sessions(fresh=True) if i.id == session_id]
    retention = RetentionService(service.store, service.upstreams, this_session, service.agent_name,
                                 policy=RetentionPolicy(days=1), rate=1000,
                                 clock=lambda: datetime.now(UTC) + timedelta(days=2))
    if expected(actor, 'team', 'retention'):
        assert retention.authorize(actor) is actor
        assert session_id in {item.session_id for item in await retention.plan()}
        report = await retention.run(retention.authorize(actor).username)
        assert (report.by, report.deleted) == (actor.username, 1)
    else:
        with pytest.raises(NotAllowed):
            retention.authorize(actor)
        assert retention.last_report() is None
    with pytest.raises(NotAllowed):
        retention.authorize(None)  # nobody signed in


TOKEN_CASES = list(itertools.product(PEOPLE, [OWNER.username, OTHER.username], [False, True]))


@pytest.mark.parametrize(('actor', 'username', 'self_service'), TOKEN_CASES,
                         ids=[f'{a.username}-for-{u}-{"self" if s else "admin"}' for a, u, s in TOKEN_CASES])
async def test_personal_tokens_are_managed_by_admins_or_their_owner(simulator, actor, username, self_service):
    core.loop = asyncio.get_running_loop()
    token = f'aod_matrix_{actor.username}_{username}_{int(self_service)}_0123456789'
    httpx.post(f'{simulator.url}/_sim/tokens/{token}')
    store = memory_store()
    for person in PEOPLE:
        store.users.add(User(username=person.username, role=person.role))  # type: ignore[arg-type]
    upstreams = Upstreams(None, vault=TokenVault(store, Fernet.generate_key().decode()), store=store,
                          make=lambda t: Upstream(simulator.url, t, timeout=10))
    tokens = TokenService(upstreams, store, self_service=self_service)
    if may_manage_token(actor, username, self_service):
        await tokens.set(actor, username, token)
        assert tokens.info(username) is not None
        await tokens.remove(actor, username)
        assert tokens.info(username) is None
    else:
        with pytest.raises(NotAllowed):
            await tokens.set(actor, username, token)
        assert tokens.info(username) is None
        await tokens.set(ADMIN, username, token)
        with pytest.raises(NotAllowed):
            await tokens.remove(actor, username)
        assert tokens.info(username) is not None
    await upstreams.aclose()


async def test_unrecorded_sessions_are_listed_for_admins_only(simulator, service):
    session_id = await seeded(simulator, service, None, 'completed')
    assert session_id in {r.id for r in await service.list(ADMIN)}
    service.invalidate()
    for actor in (OWNER, OTHER, VIEWER):
        assert session_id not in {r.id for r in await service.list(actor)}


async def test_viewers_cannot_launch(service):
    with pytest.raises(NotAllowed):
        await service.launch(VIEWER, LaunchRequest(agent_id=CODEX, prompt='hello'))
    assert service.store.audit.query(actor=VIEWER.username)[0].outcome == 'denied'


async def test_the_hub_of_a_watched_session_hears_what_a_follow_up_and_a_stop_answered(simulator, service):
    statuses: list[str] = []
    finished = await seeded(simulator, service, 'team', 'completed')
    hub = await service.live(await service.get(OWNER, finished))  # as a page opens it: AoD's answer given to it
    assert hub.status == 'completed'
    viewer = hub.join(lambda batch: None, on_status=statuses.append)[1]
    await service.follow_up(OWNER, finished, 'again\nscenario: long')
    assert statuses[0] == 'pending'  # from the follow-up's answer, before the new turn's stream says anything
    await service.stop(OWNER, finished)
    assert statuses[-1] == 'terminated' and hub.status == 'terminated'
    viewer.close()
