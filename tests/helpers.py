"""Constants and helpers shared by the test packages."""

import asyncio
from collections.abc import Callable

from aod_ui.simulator import agent_id

DASHBOARD_TOKEN = 'aod_dashboard_service_token_for_tests_0123456789'
CODE_REVIEW = agent_id('code-review')
BUG_FIX = agent_id('bug-fix')
CODEX = agent_id('codex-refactor')


def spawn(coroutine, name=None):
    """Run a hub's background work as a task of the test's own loop (the registries' `spawn` argument)."""
    return asyncio.get_running_loop().create_task(coroutine, name=name)


async def eventually(predicate: Callable[[], object], timeout: float = 15.0, interval: float = 0.02) -> None:
    """Wait until `predicate()` holds (asked every `interval` seconds); fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError('condition not met in time')
        await asyncio.sleep(interval)
