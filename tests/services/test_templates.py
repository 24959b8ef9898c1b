"""Templates against the real simulator: private or the team's, launched in one click as any launch is, counted."""

from __future__ import annotations

import asyncio

import pytest

from aod_ui.errors import ActionError, LimitReached, NotAllowed
from aod_ui.services import Actor, LaunchRequest, TemplateService
from storage import User

from ..helpers import CODEX
from .support import launching_service

ADMIN = Actor('ada', 'admin')
OWNER = Actor('olga', 'member')
OTHER = Actor('max', 'member')
VIEWER = Actor('vic', 'viewer')
REPO = 'https://github.com/example/parser'


@pytest.fixture
async def templates(simulator):
    async with launching_service(simulator, {'member': 5}) as service:
        yield TemplateService(service)


def request(prompt: str, **options) -> LaunchRequest:
    return LaunchRequest(agent_id=CODEX, prompt=f'{prompt}\nscenario: long', **options)


async def test_private_and_team_templates_launch_in_one_click_and_count(templates):
    mine = await templates.save(OWNER, ' Nightly review ', request('Review yesterday', timeout=300,
                                                                  repository_url=REPO, visibility='private'),
                                shared=False)
    team = await templates.save(OWNER, 'Bump deps', request('Bump the dependencies'), shared=True)
    assert [t.name for t in templates.visible(OTHER)] == ['Bump deps']
    assert {t.name for t in templates.visible(OWNER)} == {'Nightly review', 'Bump deps'}
    with pytest.raises(NotAllowed):
        await templates.launch(OTHER, mine.id)
    session_id = await templates.launch(OWNER, mine.id)
    record = templates.store.sessions.get(session_id)
    assert (record.owner, record.prompt, record.timeout, record.visibility, record.resources[0]['url']) == \
        ('olga', 'Review yesterday\nscenario: long', 300, 'private', REPO)
    launched = await asyncio.gather(*(templates.launch(OTHER, team.id) for _ in range(3)))
    assert len(set(launched)) == 1  # the same person's identical launch while the first is under way is one launch
    await templates.launch(ADMIN, team.id)
    used = {t.name: t.used for t in templates.visible(OWNER)}
    assert used == {'Nightly review': 1, 'Bump deps': 4}
    assert templates.visible(OWNER)[0].name == 'Bump deps'  # most used first


async def test_only_launchers_save_and_only_owners_or_admins_delete(templates):
    with pytest.raises(NotAllowed):
        await templates.save(VIEWER, 'Nope', request('x'), shared=True)
    with pytest.raises(ActionError, match='name'):
        await templates.save(OWNER, '  ', request('x'), shared=True)
    with pytest.raises(ActionError, match='agent and a prompt'):
        await templates.save(OWNER, 'Empty', LaunchRequest(agent_id=CODEX, prompt='  '), shared=True)
    team = await templates.save(OWNER, 'Shared', request('x'), shared=True)
    with pytest.raises(NotAllowed):
        await templates.launch(VIEWER, team.id)  # seen, but a viewer starts nothing
    with pytest.raises(NotAllowed):
        await templates.delete(OTHER, team.id)
    await templates.delete(ADMIN, team.id)
    assert templates.visible(OWNER) == []
    assert [e.action for e in templates.store.audit.query(actor='ada')] == ['delete template']


async def test_a_template_launch_passes_the_fair_share_gate_and_is_not_counted_when_refused(templates):
    template = await templates.save(OWNER, 'Busy', request('busy'), shared=False)
    templates.store.users.add(User(username='olga', role='member'))
    await templates.sessions.fair_share.set_person(ADMIN, 'olga', active_limit=1, monthly_budget_usd=None)
    await templates.launch(OWNER, template.id)
    with pytest.raises(LimitReached):
        await templates.launch(OWNER, template.id)
    assert templates.visible(OWNER)[0].used == 1
