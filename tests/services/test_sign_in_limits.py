"""Password sign-in under attack: simultaneous guesses, floods of names, and what they leave behind."""

from __future__ import annotations

import asyncio
import sys

import pytest

from aod_ui.errors import NotAllowed
from aod_ui.services import PeopleService
from aod_ui.services._passwords import hash_password
from storage import User, memory_store

PASSWORD = 'correct-horse-battery-9'


@pytest.fixture
def people() -> PeopleService:
    store = memory_store()
    store.users.add(User(username='ada', display_name='Ada', role='admin', password_hash=hash_password(PASSWORD)))
    return PeopleService(store)


async def _attempt(people: PeopleService, name: str, password: str, address: str) -> str:
    try:
        await people.login_local(name, password, address)
    except NotAllowed as refusal:
        return str(refusal)
    return 'signed in'


async def test_simultaneous_guesses_get_no_more_checks_than_the_limit(people: PeopleService):
    guesses = [_attempt(people, 'ada', f'wrong-guess-{n}', '203.0.113.7') for n in range(149)]
    guesses.append(_attempt(people, 'ada', PASSWORD, '203.0.113.7'))  # the right one, sent with the others
    outcomes = await asyncio.gather(*guesses)
    assert outcomes[-1] != 'signed in'
    assert outcomes.count('Wrong username or password.') == 5  # the account's limit: five checked, the rest refused
    assert all(o.startswith('Too many failed sign-ins') for o in outcomes[5:])
    entries = people.store.audit.query(action='login')
    assert len([e for e in entries if e.detail.startswith('wrong name')]) == 5
    assert len([e for e in entries if e.detail.startswith('rate limited')]) == 1  # a flood is recorded once


async def test_simultaneous_guesses_at_many_accounts_meet_the_address_limit(people: PeopleService):
    outcomes = await asyncio.gather(*(_attempt(people, f'person-{n}', 'wrong-password-here', '203.0.113.8')
                                      for n in range(60)))
    assert outcomes.count('Wrong username or password.') == 20
    assert (await _attempt(people, 'ada', PASSWORD, '203.0.113.8')).startswith('Too many failed sign-ins')
    assert await _attempt(people, 'ada', PASSWORD, '198.51.100.1') == 'signed in'  # another address may
    for _ in range(30):  # and a success gives its place back: signing in often from one address never locks out
        assert await _attempt(people, 'ada', PASSWORD, '198.51.100.1') == 'signed in'


async def test_huge_names_are_bounded_in_the_audit_trail_and_in_memory(people: PeopleService):
    huge = 'x' * 900_000
    for n in range(60):
        await _attempt(people, f'{n}{huge}\nforged line', 'p' * 200_000, f'203.0.113.{n}')
    entries = people.store.audit.query(action='login')
    assert len(entries) == 60
    assert max(len(e.actor) for e in entries) <= 64
    assert all('\n' not in e.actor for e in entries)
    keys = [*people.by_account._failures, *people.by_address._failures]
    assert sum(sys.getsizeof(k) for k in keys) < 60 * 2 * 200


def test_the_limiter_forgets_old_keys_when_full():
    from aod_ui.services import RateLimiter
    limiter = RateLimiter(limit=5, window=60)
    limiter.MAX_KEYS = 100
    for n in range(1000):
        limiter.reserve(f'user:{n}', now=float(n))
    assert len(limiter._failures) <= 100
    assert 'user:999' in limiter._failures
