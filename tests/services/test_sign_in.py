"""Sign-in rate limits at both edges of their 15-minute window, with an injected clock."""

from __future__ import annotations

import base64
import hashlib

import pytest

from aod_ui.services import LoginRefused, PeopleService, RateLimiter
from storage import User, memory_store

WINDOW = 15 * 60
EPSILON = 0.01
PASSWORD = 'olga-secret-pass-2'


def cheap_hash(password: str) -> str:
    """The stored scrypt format at a tiny cost (verification reads the cost from the hash), so these tests spend
    their time on the rules, not on hashing."""
    salt = b'0123456789abcdef'
    digest = hashlib.scrypt(password.encode(), salt=salt, n=16, r=8, p=1, dklen=32)
    return 'scrypt$16$8$1$' + '$'.join(base64.urlsafe_b64encode(b).decode().rstrip('=') for b in (salt, digest))


class Clock:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def people(clock: Clock) -> PeopleService:
    store = memory_store()
    stored = cheap_hash(PASSWORD)
    for name in ('olga', *(f'p{n}' for n in range(25))):
        store.users.add(User(username=name, role='member', password_hash=stored))
    return PeopleService(store, clock=clock)  # the production window and limits


async def refused(people: PeopleService, name: str, password: str, address: str = '10.0.0.1') -> str:
    with pytest.raises(LoginRefused) as refusal:
        await people.login_local(name, password, address)
    return str(refusal.value)


async def test_an_account_is_blocked_for_exactly_fifteen_minutes_after_five_failures(people, clock):
    for _ in range(5):
        assert await refused(people, 'olga', 'wrong') == 'Wrong username or password.'
    clock.now += WINDOW - EPSILON
    assert await refused(people, 'olga', PASSWORD) == 'Too many failed sign-ins. Try again in 1 minute(s).'
    denied = people.store.audit.query(actor='olga')[0]
    assert (denied.action, denied.outcome, denied.detail) == ('login', 'denied',
                                                              'rate limited from now on, from 10.0.0.1')
    clock.now += 2 * EPSILON
    assert (await people.login_local('olga', PASSWORD, '10.0.0.1')).username == 'olga'


async def test_four_failures_do_not_block_and_the_window_slides(people, clock):
    for _ in range(4):
        await refused(people, 'olga', 'wrong')
    clock.now += WINDOW / 2
    await refused(people, 'olga', 'wrong')  # the fifth, half a window later
    clock.now += WINDOW / 2 - EPSILON
    assert 'Too many' in await refused(people, 'olga', PASSWORD)
    clock.now += 2 * EPSILON  # the first four have left the window; one failure is not enough
    assert (await people.login_local('olga', PASSWORD, '10.0.0.1')).username == 'olga'


async def test_the_block_message_counts_the_minutes_left_from_the_first_failure(people, clock):
    for _ in range(5):
        await refused(people, 'olga', 'wrong')
    clock.now += 60
    assert await refused(people, 'olga', PASSWORD) == 'Too many failed sign-ins. Try again in 14 minute(s).'
    clock.now += 270  # 9.5 minutes left
    assert await refused(people, 'olga', PASSWORD) == 'Too many failed sign-ins. Try again in 10 minute(s).'


async def test_the_block_lasts_from_the_oldest_failure_in_the_window(people, clock):
    await refused(people, 'olga', 'wrong')
    clock.now += 300
    for _ in range(4):
        await refused(people, 'olga', 'wrong')
    clock.now += 30
    assert await refused(people, 'olga', PASSWORD) == 'Too many failed sign-ins. Try again in 10 minute(s).'


async def test_at_exactly_fifteen_minutes_the_wait_is_over(people, clock):
    for _ in range(5):
        await refused(people, 'olga', 'wrong')
    clock.now += WINDOW
    assert (await people.login_local('olga', PASSWORD, '10.0.0.1')).username == 'olga'


def test_the_limiter_takes_an_explicit_moment_over_its_clock():
    limiter = RateLimiter(2, 10, clock=lambda: 105.0)
    limiter.fail('k', now=100)
    limiter.fail('k', now=101)
    assert limiter.blocked_for('k') == 5
    assert limiter.blocked_for('k', now=108) == 2
    assert limiter.blocked_for('k', now=111) == 0


async def test_an_address_is_blocked_after_twenty_failures_across_accounts(people, clock):
    for n in range(20):
        await refused(people, f'p{n}', 'wrong', address='10.9.9.9')
    clock.now += WINDOW - EPSILON
    assert 'Too many' in await refused(people, 'p24', PASSWORD, address='10.9.9.9')
    assert (await people.login_local('p24', PASSWORD, '10.0.0.2')).username == 'p24'  # another address is fine
    first = people.store.audit.query(actor='p24', outcome='denied')[0]
    assert first.detail == 'rate limited from now on, from 10.9.9.9'
    assert 'Too many' in await refused(people, '', PASSWORD, address='10.9.9.9')
    assert people.store.audit.query(actor='(empty)') == []  # only the first refusal of a blocked key is recorded
    clock.now += 2 * EPSILON
    assert (await people.login_local('p24', PASSWORD, '10.9.9.9')).username == 'p24'


async def test_a_successful_sign_in_clears_the_account_failures(people, clock):
    for _ in range(4):
        await refused(people, 'olga', 'wrong')
    await people.login_local('olga', PASSWORD, '10.0.0.1')
    for _ in range(4):
        await refused(people, 'olga', 'wrong')
    assert (await people.login_local('olga', PASSWORD, '10.0.0.1')).username == 'olga'
