"""One call per key at a time: who asks while it runs shares its result."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

__all__ = ['SingleFlight']

T = TypeVar('T')


class SingleFlight(Generic[T]):
    """`await flight.run(key, call)` runs `call()` unless a call for `key` is under way, in which case it waits for
    that one and returns (or raises) what it does. A waiter that is cancelled leaves the call running for the others
    (it is shielded); the call's own cancellation reaches every waiter."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future[T]] = {}

    async def run(self, key: Hashable, call: Callable[[], Awaitable[T]]) -> T:
        running = self._running.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            result = await call()
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: the waiters re-raise it themselves
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._running[key]
