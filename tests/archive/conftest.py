"""Archive tests: a dashboard's archive folder, and hubs that read the test simulator through the real adapter."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from nicegui import core

from aod_ui.archive import Archive
from aod_ui.hub import HubRegistry
from aod_ui.simulator import SimulatorServer
from aod_ui.upstream import Upstream

from ..helpers import DASHBOARD_TOKEN, spawn
from .world import World, world_on


@pytest.fixture
async def unpaced_upstream(unpaced_simulator: SimulatorServer) -> AsyncIterator[Upstream]:
    """The adapter on the unpaced simulator: for tests of what the archive makes of a backlog of thousands of rows,
    not of AoD's pace."""
    core.loop = asyncio.get_running_loop()
    client = Upstream(unpaced_simulator.url, DASHBOARD_TOKEN, timeout=10)
    yield client
    await client.aclose()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / 'data' / 'archive'


def open_archive(folder: Path, **options) -> Archive:
    archive = Archive(folder, **options)
    archive.open()
    return archive


@contextlib.asynccontextmanager
async def registry_for(upstream: Upstream, archive: Archive) -> AsyncIterator[HubRegistry]:
    hubs = HubRegistry(lambda _: upstream, spawn=spawn, archive=archive, batch_interval=0.02, linger=0.2,
                       idle_poll=0.2)
    try:
        yield hubs
    finally:
        await hubs.stop_all()


async def launch(upstream: Upstream, prompt: str, agent: str) -> str:
    return (await upstream.create_session(agent_id=agent, prompt=prompt)).id


async def replay(upstream: Upstream, session_id: str) -> list[dict]:
    """The session's events in one clean read from the start (what the archive must hold, exactly once each)."""
    async with contextlib.aclosing(upstream.stream(session_id)) as stream:
        return [event.payload async for event in stream]


async def wait_finished(upstream: Upstream, session_id: str, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (await upstream.get_session(session_id)).status in {'pending', 'running'}:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError('the session did not finish in time')
        await asyncio.sleep(0.05)


async def stats(simulator: SimulatorServer) -> dict:
    async with httpx.AsyncClient(base_url=simulator.url) as client:
        return (await client.get('/_sim/stats')).json()


def key(event: dict) -> tuple:
    """What identifies an event in a comparison: its type, id and turn (payloads are compared whole elsewhere)."""
    return event.get('type'), event.get('id'), event.get('turn')


@pytest.fixture
async def world(upstream: Upstream, tmp_path: Path) -> AsyncIterator[World]:
    """The dashboard's services over an archive in `tmp_path` and the test simulator."""
    async with world_on(upstream, tmp_path / 'data') as services:
        yield services
