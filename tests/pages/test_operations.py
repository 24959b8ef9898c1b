"""The operations page: admins see the fleet and run retention; everyone else is refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from nicegui import app
from nicegui.testing import User

from storage import SessionRecord

from ..helpers import CODEX, DASHBOARD_TOKEN, eventually
from .support import present, signed_in
from .test_sessions import launch_via_page


@pytest.fixture
def retention_env(monkeypatch, simulator):
    monkeypatch.setenv('AOD_UI_RETENTION_DAYS', '30')
    old = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    with httpx.Client(base_url=simulator.url) as client:
        seeded = client.post('/_sim/sessions', json=[
            {'token': DASHBOARD_TOKEN, 'agent_id': CODEX, 'status': 'completed', 'created_at': old,
             'updated_at': old, 'prompt': 'ancient'},
            {'token': DASHBOARD_TOKEN, 'agent_id': CODEX, 'status': 'failed', 'created_at': old, 'updated_at': old,
             'prompt': 'ancient failure'}]).json()
    return [s['id'] for s in (seeded if isinstance(seeded, list) else seeded['data'])]


async def test_non_admins_are_refused(people, user: User):
    await signed_in(user, 'olga')
    await user.open('/operations')
    await user.should_see('Only admins may see the fleet and run retention.')


async def test_admin_sees_the_fleet_and_runs_retention(people, retention_env, user: User, simulator):
    await signed_in(user, 'ada')
    await user.open('/operations')
    await user.should_see('Active sessions', retries=50)
    await user.should_see('Recent failures, grouped by stage and message')
    await user.should_see('delete finished sessions after 30 days')
    user.find(marker='dry-run').click()
    await user.should_see('would be stopped or deleted now', retries=50)
    with user:
        plan = user.find(marker='plan').elements.pop()
    planned = {row['session'] for row in plan.rows}
    assert set(retention_env) <= planned
    user.find(marker='apply').click()
    await user.should_see(marker='confirm', retries=50)
    user.find(marker='confirm').click()
    with httpx.Client(base_url=simulator.url, headers={'Authorization': f'Bearer {DASHBOARD_TOKEN}'}) as client:
        await eventually(lambda: not set(retention_env) & {s['id'] for s in client.get('/sessions').json()['data']},
                         timeout=20)
    await user.should_see('Last run', retries=50)


async def test_sessions_are_named_by_their_prompt_with_the_id_on_hover(retention_env, user: User, simulator):
    """The failures on Operations, the retention dry run and the audit trail name sessions by their prompt's first
    line (as data for Vue's escaping text interpolation, never markup), linking to the session."""
    failing = await launch_via_page(user, '<b>Fix</b> the build & deploy\nscenario: fail-exit', agent='codex-refactor')
    app.state.aod_system.store.sessions.add(SessionRecord(
        session_id=retention_env[0], agent_id=CODEX, agent_name='codex-refactor', prompt='\nAncient <i>migration</i>\n',
        owner='local'))

    async def named_failure() -> bool:
        await user.open('/operations')
        return any(e.text == '<b>Fix</b> the build & deploy' and e.props['title'] == failing
                   and e.props['href'] == f'/sessions/{failing}' for e in present(user, 'failed-session'))
    for _ in range(60):  # its facts (why it failed) are learnt once its archive is whole
        if await named_failure():
            break
        await asyncio.sleep(0.5)
    else:
        raise AssertionError('the failed session is not named by its prompt')
    user.find(marker='dry-run').click()
    await user.should_see('would be stopped or deleted now', retries=50)
    with user:
        plan = {row['session']: row for row in user.find(marker='plan').elements.pop().rows}
    assert plan[retention_env[0]]['session_title'] == 'Ancient <i>migration</i>'
    assert plan[retention_env[1]]['session_title'] == ''  # started elsewhere: the id's start stands for it
    await user.open('/audit')
    with user:
        rows = user.find(marker='audit-table').elements.pop().rows
    launched = next(r for r in rows if r['session'] == failing)
    assert launched['session_title'] == '<b>Fix</b> the build & deploy'
    assert not any(r['session_title'] for r in rows if not r['session'])
