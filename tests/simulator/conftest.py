"""Fixtures for the simulator tests: real servers on loopback ports, in threads of their own, and SDK clients.

The shared server uses the `runtime` payload shape, so every call of aod-sdk 0.1.0 works against it; the
`provider` shape has its own server in `test_shapes.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aod
import httpx
import pytest

from aod_ui.simulator import SimulatorServer

from .support import LIMIT_TOKEN, OTHER_TOKEN, REVOKE_TOKEN, TOKEN, make_server


@pytest.fixture(scope='session')
def sim() -> Iterator[SimulatorServer]:
    server = make_server(tokens=(TOKEN, OTHER_TOKEN, LIMIT_TOKEN, REVOKE_TOKEN), control=True)
    yield server
    server.stop_thread()


@pytest.fixture(scope='session')
def unpaced_client() -> Iterator[aod.Client]:
    """A client of a server without AoD's stream pace."""
    # unpaced: for tests that read thousands of rows and check what they say, not when they come (the pace has its
    # own tests in test_pace.py); at AoD's 200 rows/s they would wait 15 s for nothing
    server = make_server(paced=False)
    with aod.Client(base_url=server.url, token=TOKEN) as sdk:
        yield sdk
    server.stop_thread()


@pytest.fixture(scope='session')
def client(sim: SimulatorServer) -> Iterator[aod.Client]:
    with aod.Client(base_url=sim.url, token=TOKEN) as sdk:
        yield sdk


@pytest.fixture(scope='session')
def other_client(sim: SimulatorServer) -> Iterator[aod.Client]:
    with aod.Client(base_url=sim.url, token=OTHER_TOKEN) as sdk:
        yield sdk


@pytest.fixture
async def aclient(sim: SimulatorServer) -> AsyncIterator[aod.AsyncClient]:
    async with aod.AsyncClient(base_url=sim.url, token=TOKEN) as sdk:
        yield sdk


@pytest.fixture(scope='session')
def http(sim: SimulatorServer) -> Iterator[httpx.Client]:
    """Plain httpx with the shared token, for what the SDK does not expose (headers, raw bodies)."""
    with httpx.Client(base_url=sim.url, headers={'Authorization': f'Bearer {TOKEN}'}, timeout=10) as plain:
        yield plain
