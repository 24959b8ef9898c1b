"""Fixtures shared across the test packages: a real simulator on a loopback port (in a thread of its own) and the
environment that points a dashboard at it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from nicegui import context, core
from nicegui.testing import User
from nicegui.testing.user_navigate import UserNavigate
from nicegui.testing.user_notify import UserNotify

from aod_ui.simulator import SimulatorConfig, SimulatorServer
from aod_ui.upstream import Upstream

from .helpers import DASHBOARD_TOKEN


@pytest.fixture(scope='session')
def simulator() -> Iterator[SimulatorServer]:
    """One simulator for the whole run, in the current server's payload shape, with its control API, and streams
    paced like AoD's (at most 100 rows per read, 0.5 s between reads), so every test meets production's pace."""
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(DASHBOARD_TOKEN,), time_scale=0.02, seed=3,
                                             control=True, heartbeat=1.0, max_active=50)).start_in_thread()
    yield server
    server.stop_thread()


@pytest.fixture(scope='session')
def unpaced_simulator() -> Iterator[SimulatorServer]:
    """Like `simulator`, but its streams send rows as soon as they exist. Only for tests that need a backlog of
    thousands of rows at once and test what the dashboard makes of it, not AoD's pace; each says why it uses it."""
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(DASHBOARD_TOKEN,), time_scale=0.02, seed=4,
                                             control=True, heartbeat=1.0, max_active=50, paced=False)
                             ).start_in_thread()
    yield server
    server.stop_thread()


@pytest.fixture
async def upstream(simulator: SimulatorServer) -> AsyncIterator[Upstream]:
    """The real adapter to the paced simulator, on the test's loop."""
    core.loop = asyncio.get_running_loop()
    client = Upstream(simulator.url, DASHBOARD_TOKEN, timeout=10)
    yield client
    await client.aclose()


@pytest.fixture
def sim_control(simulator: SimulatorServer) -> Iterator[httpx.Client]:
    """Plain HTTP to the simulator's control API; clears faults afterwards."""
    with httpx.Client(base_url=simulator.url, timeout=10) as client:
        yield client
        client.post('/_sim/faults', json={})


@pytest.fixture
def dashboard_env(monkeypatch: pytest.MonkeyPatch, tmp_path, simulator: SimulatorServer) -> dict[str, str]:
    """Environment for a dashboard talking to the test simulator, with its data in a fresh folder."""
    env = {
        'AOD_API_URL': simulator.url,
        'AOD_API_TOKEN': DASHBOARD_TOKEN,
        'AOD_UI_STORAGE_SECRET': 'test-storage-secret-with-at-least-32-characters',
        'AOD_UI_DATA_DIR': str(tmp_path / 'data'),
        'AOD_UI_REFRESH_SECONDS': '0.5',
        'AOD_UI_LOG_LEVEL': 'warning',
        'AOD_UI_AUTH': 'none',  # one local admin; the people tests switch sign-in on
        'AOD_UI_SECURE_COOKIES': 'false',  # the tests speak plain HTTP
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no stray .env from the work tree
    return env


def _owner(everyone: list[User], default: User) -> User:
    """The simulated person whose page is being built or acted on (`default` outside any page)."""
    try:
        here = context.client
    except RuntimeError:
        here = None
    return next((p for p in everyone if object.__getattribute__(p, 'client') is here), default)


class _RoutedNavigate(UserNavigate):
    """Navigation asked for by a page goes to the simulated person whose page asked. (NiceGUI's simulation sends it
    to whichever person the test touched last, so with several people one person's sign-in could land in another's
    browser; sign-in ends in a navigation that must come from the same browser.)"""

    def __init__(self, person: User, everyone: list[User]) -> None:
        super().__init__(person)
        self.everyone = everyone

    def to(self, target, new_tab: bool = False) -> None:
        owner = _owner(self.everyone, self.user)
        UserNavigate.to(object.__getattribute__(owner, 'navigate'), target, new_tab)


class _RoutedNotify(UserNotify):
    """A notification a page shows is seen by the simulated person whose page showed it. (NiceGUI's simulation hands
    it to whichever person was touched last, and a person is touched whenever their page sends a script: an admin's
    "max disabled." landed with max when max's page, taken down by that very action, sent its reload first.)"""

    def __init__(self, person: User, everyone: list[User]) -> None:
        super().__init__()
        self.person = person
        self.everyone = everyone

    def __call__(self, message: str, **kwargs) -> None:
        owner = _owner(self.everyone, self.person)
        UserNotify.__call__(object.__getattribute__(owner, 'notify'), message, **kwargs)


def _prepared(person: User, everyone: list[User]) -> User:
    # The dashboard answers a loopback name only when nobody signs in (AOD_UI_AUTH=none, the default of these
    # tests), against DNS rebinding; NiceGUI's simulated browsers say `Host: test`, so they use 127.0.0.1.
    person.http_client.base_url = 'http://127.0.0.1'
    person.navigate = _RoutedNavigate(person, everyone)
    person.notify = _RoutedNotify(person, everyone)
    everyone.append(person)
    return person


@pytest.fixture
def _everyone() -> list[User]:
    return []


@pytest.fixture
def user(user, _everyone):
    return _prepared(user, _everyone)


@pytest.fixture
def create_user(create_user, _everyone):
    return lambda: _prepared(create_user(), _everyone)
