"""SingleFlight: one call per key at a time, its result (or error) shared by all who asked meanwhile."""

from __future__ import annotations

import asyncio

import pytest

from aod_ui.services._single_flight import SingleFlight


async def test_callers_meanwhile_share_one_call_and_a_later_caller_calls_again() -> None:
    flight = SingleFlight[int]()
    calls = 0
    release = asyncio.Event()

    async def read() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return calls

    waiting = [asyncio.create_task(flight.run('list', read)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == [1] * 5
    assert await flight.run('list', read) == 2  # the first call is over: this one reads afresh


async def test_keys_do_not_wait_for_each_other_and_an_error_reaches_every_waiter() -> None:
    flight = SingleFlight[str]()
    release = asyncio.Event()

    async def fail() -> str:
        await release.wait()
        raise RuntimeError('AoD said no')

    async def other() -> str:
        return 'other'

    first, second = (asyncio.create_task(flight.run('a', fail)) for _ in range(2))
    await asyncio.sleep(0)
    assert await flight.run('b', other) == 'other'
    release.set()
    for waiter in (first, second):
        with pytest.raises(RuntimeError, match='AoD said no'):
            await waiter


async def test_a_waiter_cancelled_leaves_the_call_to_the_others() -> None:
    flight = SingleFlight[str]()
    release = asyncio.Event()

    async def slow() -> str:
        await release.wait()
        return 'done'

    owner = asyncio.create_task(flight.run('k', slow))
    await asyncio.sleep(0)
    impatient = asyncio.create_task(flight.run('k', slow))
    await asyncio.sleep(0)
    impatient.cancel()
    release.set()
    assert await owner == 'done'
    assert impatient.cancelled()
