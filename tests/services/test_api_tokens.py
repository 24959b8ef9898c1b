"""Personal access tokens as the service makes and checks them (the API tests cover them over HTTP)."""

from __future__ import annotations

import asyncio

import pytest
from nicegui import core

from aod_ui.errors import ActionError, NotAllowed
from aod_ui.services import Actor, ApiTokenService, TokenBucket, TokenRefused
from aod_ui.services._api_tokens import TOKEN_PREFIX, digest
from storage import User, memory_store

OLGA = Actor('olga', 'member')
ADA = Actor('ada', 'admin')
MAX = Actor('max', 'member')


def test_the_bucket_refills_at_its_rate_on_its_clock():
    now = [0.0]
    bucket = TokenBucket(6, clock=lambda: now[0])  # one every 10 s, bursts of 6
    assert [bucket.take('a') for _ in range(6)] == [0.0] * 6
    assert bucket.take('a') == pytest.approx(10.0)
    assert bucket.take('b') == 0.0
    now[0] = 5.0
    assert bucket.take('a') == pytest.approx(5.0)  # a refused request spends nothing
    now[0] = 10.0
    assert bucket.take('a') == 0.0 and bucket.take('a') == pytest.approx(10.0)
    now[0] = 1000.0
    assert [bucket.take('a') for _ in range(7)][-2:] == [0.0, pytest.approx(10.0)]  # never more than a burst


@pytest.fixture
async def service():
    core.loop = asyncio.get_running_loop()
    store = memory_store()
    for actor in (OLGA, ADA, MAX):
        store.users.add(User(username=actor.username, role=actor.role, created_at=1.0))
    return ApiTokenService(store, lambda name: Actor(name, store.users.get(name).role)
                           if store.users.get(name) and not store.users.get(name).disabled else None,
                           max_days=90, clock=lambda: 1000.0)


async def test_tokens_are_made_hashed_scoped_and_bounded(service):
    made, secret = await service.create(OLGA, '  nightly  ', ['manage', 'read', 'bogus'], 30)
    assert secret.startswith(TOKEN_PREFIX) and len(secret) == len(TOKEN_PREFIX) + 43
    assert made.name == 'nightly' and made.scopes == ('read', 'manage') and made.digest == digest(secret)
    assert secret not in str(made.to_dict()) and made.prefix == secret[:len(TOKEN_PREFIX) + 4] + '…'
    assert made.expires_at == 1000.0 + 30 * 86400
    for name, scopes, days, says in (('', ['read'], 30, 'name'), ('x', [], 30, 'scope'), ('x', ['read'], 91, '90'),
                                     ('x' * 81, ['read'], 30, '80')):
        with pytest.raises(ActionError, match=says):
            await service.create(OLGA, name, scopes, days)
    caller = service.caller(secret)
    assert caller.actor.username == 'olga' and caller.actor.via == f'api token nightly ({made.prefix})'
    with pytest.raises(TokenRefused, match='not a dashboard token'):
        service.caller('aod_something')
    with pytest.raises(TokenRefused, match='not known'):
        service.caller(secret + 'x')


async def test_only_owners_and_admins_revoke_and_only_admins_see_all(service):
    made, secret = await service.create(OLGA, 'ci', ['read'], 30)
    with pytest.raises(NotAllowed, match='not yours'):
        await service.revoke(MAX, made.id)
    with pytest.raises(NotAllowed):
        service.everyone(MAX)
    assert [t.id for t in service.everyone(ADA)] == [made.id] and service.mine(MAX) == []
    await service.revoke(ADA, made.id)
    with pytest.raises(TokenRefused, match='revoked'):
        service.caller(secret)
    entries = service.store.audit.query(action='revoke api token')
    assert entries[0].actor == 'ada' and entries[0].target == 'olga' and secret not in entries[0].detail
