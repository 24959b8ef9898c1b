"""Running storage calls from async code without blocking the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ['run_io']

P = ParamSpec('P')
T = TypeVar('T')


async def run_io(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking storage call in a worker thread and return its result.

    Reads are served from memory and may be called directly; writes fsync the disk and can take tens of
    milliseconds with thousands of records, so services call them as `await run_io(store.sessions.add, record)`.
    """
    return await asyncio.to_thread(function, *args, **kwargs)
