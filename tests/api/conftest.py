"""The API served for real: a `System` against the test simulator, its API application on a loopback port with
uvicorn (access log on), and people and tokens made through the services the pages use."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from nicegui import core

from aod_ui.api import mount_api
from aod_ui.services import Actor
from aod_ui.settings import Settings
from aod_ui.simulator import SimulatorConfig, SimulatorServer
from aod_ui.system import System
from storage import User

from ..helpers import DASHBOARD_TOKEN

PEOPLE = {'ada': 'admin', 'olga': 'member', 'max': 'member', 'vic': 'viewer'}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@dataclass
class Api:
    system: System
    url: str
    tokens: dict[str, str] = field(default_factory=dict)
    """A read/launch/manage token per person, by username."""

    def client(self, token: str | None = None, **kwargs) -> httpx.AsyncClient:
        headers = {'Authorization': f'Bearer {token}'} if token else {}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=httpx.Timeout(20, read=30), **kwargs)

    def of(self, username: str) -> httpx.AsyncClient:
        return self.client(self.tokens[username])

    async def token(self, username: str, scopes=('read', 'launch', 'manage'), name: str = 'ci', days: float = 30
                    ) -> str:
        actor = self.system.people.actor(username) or Actor(username, 'admin')
        return (await self.system.api_tokens.create(actor, name, scopes, days))[1]


@pytest.fixture(scope='package')
def simulator() -> Iterator[SimulatorServer]:
    """A simulator of the API tests' own (as the shared one, paced like AoD): they count its upstream streams, which
    other packages' sessions must not add to."""
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(DASHBOARD_TOKEN,), time_scale=0.02, seed=5,
                                             control=True, heartbeat=1.0, max_active=50)).start_in_thread()
    yield server
    server.stop_thread()


@pytest.fixture
async def api(simulator, tmp_path, caplog) -> AsyncIterator[Api]:
    core.loop = asyncio.get_running_loop()
    settings = Settings.load({'AOD_API_URL': simulator.url, 'AOD_API_TOKEN': DASHBOARD_TOKEN,
                              'AOD_UI_DATA_DIR': str(tmp_path / 'data'), 'AOD_UI_AUTH': 'local',
                              'AOD_UI_STORAGE_SECRET': 'test-storage-secret-with-at-least-32-characters',
                              'AOD_UI_LOG_LEVEL': 'warning',
                              # the archive reads no finished session by itself here (each test's dashboard starts
                              # with an empty archive, and would read every earlier test's sessions)
                              'AOD_UI_BACKFILL_STREAMS': '0'}, env_file=None)
    system = System(settings)
    for name, role in PEOPLE.items():
        system.store.users.add(User(username=name, display_name=name.title(), role=role))
    await system.startup()
    port = free_port()
    caplog.set_level(logging.INFO)
    app = FastAPI()
    mount_api(app, system)  # as on NiceGUI's app: at /api
    server = uvicorn.Server(uvicorn.Config(app, host='127.0.0.1', port=port, log_config=None,
                                           access_log=True, lifespan='off'))
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    served = Api(system, f'http://127.0.0.1:{port}/api/v1')
    for name in PEOPLE:
        served.tokens[name] = await served.token(name)
    yield served
    server.should_exit = True
    await task
    await system.shutdown()
