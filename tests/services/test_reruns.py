"""Run a finished session again, against the real simulator: the same launch, linked both ways, with the same rights
and fair share as any launch."""

from __future__ import annotations

import asyncio

import pytest

from aod_ui.errors import ActionError, LimitReached, NotAllowed
from aod_ui.services import Actor, LaunchRequest, Reruns

from ..helpers import CODEX
from .support import launching_service

ADMIN = Actor('ada', 'admin')
OWNER = Actor('olga', 'member')
OTHER = Actor('max', 'member')
VIEWER = Actor('vic', 'viewer')
REPO = 'https://github.com/example/parser'


@pytest.fixture
async def reruns(simulator):
    async with launching_service(simulator, {'member': 2}, list_ttl=0.0) as service:
        yield Reruns(service)


async def finished(reruns: Reruns, session_id: str) -> None:
    for _ in range(500):
        if await reruns.status(session_id) == 'completed':
            return
        await asyncio.sleep(0.02)
    raise AssertionError('the session never finished')


async def test_run_again_launches_the_same_and_links_both_ways(reruns):
    sessions = reruns.sessions
    first = await sessions.launch(OWNER, LaunchRequest(
        agent_id=CODEX, prompt='Fix the parser\nscenario: success', timeout=120, repository_url=REPO,
        repository_mount_path='/workspace/parser', visibility='team', labels=('parser',)))
    with pytest.raises(ActionError, match='still running'):
        await reruns.run_again(OWNER, first)
    await finished(reruns, first)
    again = await reruns.run_again(OTHER, first)  # a team session: anyone who may start sessions may re-run it
    record, origin = sessions.store.sessions.get(again), sessions.store.sessions.get(first)
    assert (record.agent_id, record.prompt, record.timeout, record.visibility, record.labels, record.resources) == \
        (origin.agent_id, origin.prompt, 120, 'team', ['parser'],
         [{'type': 'github_repository', 'url': REPO, 'mount_path': '/workspace/parser'}])
    assert record.owner == 'max' and record.origin == first and origin.origin is None
    upstream = await sessions.upstream.get_session(again)
    assert [r.get('url') for r in upstream.resources] == [REPO]
    assert [r.session_id for r in reruns.reruns(VIEWER, first)] == [again]
    assert reruns.origin(VIEWER, again).session_id == first
    with pytest.raises(NotAllowed):
        await reruns.run_again(VIEWER, first)
    request = reruns.request(OWNER, again)  # "Edit and run" of a re-run names the re-run as its origin
    assert (request.origin, request.prompt, request.timeout) == (again, origin.prompt, 120)


async def test_private_sessions_and_their_reruns_stay_private(reruns):
    sessions = reruns.sessions
    first = await sessions.launch(OWNER, LaunchRequest(agent_id=CODEX, prompt='Secret\nscenario: success',
                                                       visibility='private'))
    await finished(reruns, first)
    with pytest.raises(NotAllowed):
        await reruns.run_again(OTHER, first)
    with pytest.raises(NotAllowed):
        reruns.request(OTHER, first)
    again = await reruns.run_again(ADMIN, first)
    assert sessions.store.sessions.get(again).visibility == 'private'
    assert reruns.reruns(OTHER, first) == [] and reruns.origin(OTHER, again) is None
    assert reruns.reruns(OWNER, first) == []  # the admin's re-run is the admin's own private session
    mine = await reruns.run_again(OWNER, first)
    assert [r.session_id for r in reruns.reruns(OWNER, first)] == [mine]
    assert [r.session_id for r in reruns.reruns(ADMIN, first)] == [mine, again]


async def test_a_rerun_passes_the_fair_share_gate(reruns):
    sessions = reruns.sessions
    first = await sessions.launch(OWNER, LaunchRequest(agent_id=CODEX, prompt='Quick\nscenario: success'))
    await sessions.launch(OWNER, LaunchRequest(agent_id=CODEX, prompt='Long one\nscenario: long'))
    await finished(reruns, first)
    await reruns.run_again(OWNER, first)
    with pytest.raises(LimitReached, match='You have 2 of 2 active sessions'):
        await reruns.run_again(OWNER, first)
