"""Fair share: active-session limits per role and person, enforced at launch against the real simulator, and the
monthly budget from the sessions' reported costs, with an injected clock."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import pytest
from nicegui import core

from aod_ui.errors import LimitReached, NotAllowed, UpstreamError
from aod_ui.hub import HubRegistry
from aod_ui.services import Actor, FairShare, LaunchRequest, SessionService, Upstreams
from aod_ui.upstream import Upstream
from storage import SessionRecord, User, memory_store

from ..helpers import CODEX, DASHBOARD_TOKEN

ADMIN = Actor('ada', 'admin')
MEMBER = Actor('olga', 'member')
OTHER = Actor('max', 'member')
DECEMBER = datetime(2026, 12, 15, tzinfo=UTC).timestamp()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def make(simulator):
    core.loop = asyncio.get_running_loop()
    upstream = Upstream(simulator.url, DASHBOARD_TOKEN, timeout=20)
    hubs = HubRegistry(lambda _: upstream, spawn=lambda c, n: asyncio.get_running_loop().create_task(c))
    made: list[SessionService] = []

    def build(**options) -> SessionService:
        store = memory_store()
        for actor in (ADMIN, MEMBER, OTHER):
            store.users.add(User(username=actor.username, role=actor.role))  # type: ignore[arg-type]
        service = SessionService(Upstreams(upstream, store=store), store, hubs, fair_share=FairShare(store, **options))
        made.append(service)
        return service
    yield build
    for service in made:  # leave the shared simulator with nothing active
        for record in service.store.sessions.all():
            with contextlib.suppress(UpstreamError):  # already stopped, or made up for the budget
                await upstream.terminate(record.session_id)
    await hubs.stop_all()
    await upstream.aclose()


def request(prompt: str) -> LaunchRequest:
    return LaunchRequest(agent_id=CODEX, prompt=f'{prompt}\nscenario: long')


async def test_fifty_simultaneous_launches_never_pass_the_limit(make):
    service = make(role_limits={'member': 3})
    results = await asyncio.gather(*(service.launch(MEMBER, request(f'task {n}')) for n in range(50)),
                                   return_exceptions=True)
    launched = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, LimitReached)]
    assert len(launched) == 3 and len(refused) == 47
    assert str(refused[0]) == 'You have 3 of 3 active sessions; stop one or ask an admin.'
    assert (refused[0].active, refused[0].limit) == (3, 3)
    active = {s.id for s in await service.upstream.list_sessions() if s.status in {'pending', 'running'}}
    assert set(launched) <= active and len(service.store.sessions.all()) == 3
    denied = service.store.audit.query(actor=MEMBER.username, outcome='denied')
    assert len(denied) == 47 and {e.detail for e in denied} == {'active session limit'}
    # someone else's limit is their own, and stopping one frees a place
    assert await service.launch(OTHER, request('another person'))
    await service.stop(MEMBER, launched[0])
    assert await service.launch(MEMBER, request('after stopping one'))
    with pytest.raises(LimitReached):
        await service.launch(MEMBER, request('one too many'))


async def test_a_person_override_beats_the_role_limit(make):
    service = make(role_limits={'member': 3})
    with pytest.raises(NotAllowed):
        await service.fair_share.set_person(MEMBER, MEMBER.username, active_limit=10, monthly_budget_usd=None)
    await service.fair_share.set_person(ADMIN, MEMBER.username, active_limit=1, monthly_budget_usd=None)
    assert (await service.fair_share.usage(MEMBER)).limit == 1
    await service.launch(MEMBER, request('the only one'))
    with pytest.raises(LimitReached, match=r'You have 1 of 1 active session; stop one or ask an admin\.'):
        await service.launch(MEMBER, request('a second'))
    await service.fair_share.set_person(ADMIN, MEMBER.username, active_limit=0, monthly_budget_usd=None)  # none
    results = await asyncio.gather(*(service.launch(MEMBER, request(f'unlimited {n}')) for n in range(4)))
    assert len(set(results)) == 4
    usage = await service.fair_share.usage(MEMBER, fresh=True)
    assert (usage.active, usage.limit, usage.refusal()) == (5, None, None)
    assert [e.action for e in service.store.audit.query(actor=ADMIN.username)].count('set limits') == 2


def spent(service: SessionService, session_id: str, cost: float, at: float) -> None:
    """A finished session of MEMBER's, with the facts Operations learns from its whole archive."""
    service.store.sessions.add(SessionRecord(session_id=session_id, agent_id=CODEX, agent_name='codex', prompt='p',
                                             owner=MEMBER.username, created_at=at))
    service.store.kv.set(f'facts.v2:{session_id}', {'cost_usd': cost, 'duration_ms': 1000})


async def test_the_monthly_budget_warns_then_refuses_unless_an_admin_allows_more(make):
    clock = Clock(DECEMBER)
    service = make(monthly_budget=10.0, clock=clock)
    spent(service, 'old-november', 100.0, datetime(2026, 11, 30, 23, 59, tzinfo=UTC).timestamp())
    spent(service, 'first', 4.0, DECEMBER - 86400)
    usage = await service.fair_share.usage(MEMBER)
    assert (usage.cost_usd, usage.month, usage.warning(), usage.refusal()) == (4.0, '2026-12', None, None)
    spent(service, 'second', 4.5, DECEMBER - 3600)
    usage = await service.fair_share.usage(MEMBER)
    assert usage.warning() == 'You have used $8.50 of your $10.00 budget for 2026-12.'
    await service.launch(MEMBER, request('still within the budget'))
    spent(service, 'third', 1.5, DECEMBER - 60)
    with pytest.raises(LimitReached, match=r'used \$10.00 of your \$10.00 budget for 2026-12; new sessions wait'):
        await service.launch(MEMBER, request('past the budget'))
    assert (await service.launch(OTHER, request('someone else has spent nothing')))
    with pytest.raises(NotAllowed):
        await service.fair_share.allow_over_budget(MEMBER, MEMBER.username, True)
    await service.fair_share.allow_over_budget(ADMIN, MEMBER.username, True)
    assert (await service.fair_share.usage(MEMBER)).warning() == \
        'You have used $10.00 of your $10.00 budget for 2026-12 (an admin allowed more this month).'
    await service.launch(MEMBER, request('allowed by an admin'))
    # a person's own budget replaces the team's
    await service.fair_share.set_person(ADMIN, MEMBER.username, active_limit=None, monthly_budget_usd=50.0)
    assert (await service.fair_share.usage(MEMBER)).budget_usd == 50.0
    await service.fair_share.set_person(ADMIN, MEMBER.username, active_limit=None, monthly_budget_usd=None)
    # January: December's costs and allowance are history
    clock.now = datetime(2027, 1, 2, tzinfo=UTC).timestamp()
    usage = await service.fair_share.usage(MEMBER)
    assert (usage.month, usage.cost_usd, usage.allowed_over_budget, usage.refusal()) == ('2027-01', 0.0, False, None)


async def test_everyone_is_for_admins(make):
    service = make(role_limits={'member': 2}, monthly_budget=5.0)
    await service.launch(MEMBER, request('counted'))
    service.invalidate()
    with pytest.raises(NotAllowed):
        await service.fair_share.everyone(MEMBER)
    rows = {u.username: u for u in await service.fair_share.everyone(ADMIN)}
    assert (rows['olga'].active, rows['olga'].limit, rows['olga'].budget_usd) == (1, 2, 5.0)
    assert (rows['ada'].active, rows['ada'].limit) == (0, None)
