"""The operations page: admins see the fleet and run retention; everyone else is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from nicegui.testing import User

from ..helpers import CODEX, DASHBOARD_TOKEN, eventually
from .support import signed_in


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
