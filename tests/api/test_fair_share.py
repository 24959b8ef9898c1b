"""The API's launches pass the same fair-share gate as the pages': fifty at once never pass a person's limit."""

from __future__ import annotations

import asyncio

from aod_ui.services import Actor


async def test_fifty_api_launches_at_once_never_pass_the_limit(api):
    await api.system.sessions.fair_share.set_person(Actor('ada', 'admin'), 'olga', active_limit=2,
                                                    monthly_budget_usd=None)
    async with api.of('olga') as olga:
        answers = await asyncio.gather(*(olga.post('/sessions', json={
            'agent': 'codex-refactor', 'prompt': f'task {n}\nscenario: long'}) for n in range(50)))
        assert sorted(a.status_code for a in answers) == [201] * 2 + [429] * 48
        refused = next(a.json()['error'] for a in answers if a.status_code == 429)
        assert refused == {'code': 'limit_reached',
                           'message': 'You have 2 of 2 active sessions; stop one or ask an admin.'}
        for answer in answers:
            if answer.status_code == 201:
                await olga.post(f"/sessions/{answer.json()['id']}/stop")
