"""With per-person tokens the session list merges what every working token sees: each session once, newest first; a
person's failing token leaves out only that person's sessions, the shared token failing fails the list."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from nicegui import core

from aod_ui.errors import UpstreamError
from aod_ui.hub import HubRegistry
from aod_ui.services import Actor, LaunchRequest, SessionService, TokenVault, Upstreams
from aod_ui.simulator import SimulatorConfig, SimulatorServer, agent_id
from aod_ui.upstream import Upstream
from storage import User, memory_store

SHARED = 'aod_merged_shared_token_0123456789'
ALICE_TOKEN = 'aod_merged_alice_token_0123456789a'
BOB_TOKEN = 'aod_merged_bob_token_0123456789abc'
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope='module')
def sim() -> Iterator[SimulatorServer]:
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(SHARED, ALICE_TOKEN, BOB_TOKEN), time_scale=0.02,
                                             control=True)).start_in_thread()
    yield server
    server.stop_thread()


@pytest.fixture
async def service(sim: SimulatorServer) -> AsyncIterator[SessionService]:
    core.loop = asyncio.get_running_loop()
    store = memory_store()
    for name in ('alice', 'bob', 'carol'):
        store.users.add(User(username=name))
    vault = TokenVault(store, Fernet.generate_key().decode())
    await vault.save('alice', ALICE_TOKEN, 'ada')
    await vault.save('bob', BOB_TOKEN, 'ada')
    await vault.save('carol', SHARED, 'ada')  # the same token as the service's: the same sessions
    shared = Upstream(sim.url, SHARED, timeout=10)
    upstreams = Upstreams(shared, vault=vault, store=store, make=lambda token: Upstream(sim.url, token, timeout=10))
    hubs = HubRegistry(upstreams.for_session, spawn=lambda c, n: asyncio.get_running_loop().create_task(c))
    yield SessionService(upstreams, store, hubs)
    await hubs.stop_all()
    await upstreams.aclose()
    await shared.aclose()
    sim.call(sim.state.add_token, ALICE_TOKEN)


def seed(sim: SimulatorServer, token: str, hours: int) -> str:
    at = T0 + timedelta(hours=hours)
    return sim.seed_session(token=token, agent_id=agent_id('codex-refactor', owner=token if token != SHARED else ''),
                            created_at=at, updated_at=at).id


async def test_every_working_token_adds_its_sessions_once_newest_first(service: SessionService,
                                                                       sim: SimulatorServer) -> None:
    ids = {'shared': seed(sim, SHARED, 1), 'alice': seed(sim, ALICE_TOKEN, 3), 'bob': seed(sim, BOB_TOKEN, 2)}
    listed = [info.id for info in await service.aod_sessions(fresh=True)]
    ours = [session_id for session_id in listed if session_id in ids.values()]
    assert ours == [ids['alice'], ids['bob'], ids['shared']]
    assert len(listed) == len(set(listed))  # carol's token is the shared one: its sessions are not listed twice


async def test_a_persons_failing_token_leaves_out_only_their_sessions(service: SessionService,
                                                                      sim: SimulatorServer) -> None:
    alice, bob = seed(sim, ALICE_TOKEN, 5), seed(sim, BOB_TOKEN, 4)
    sim.revoke_token(ALICE_TOKEN)
    listed = {info.id for info in await service.aod_sessions(fresh=True)}
    assert bob in listed and alice not in listed
    sim.set_faults(status_burst={'route': 'list', 'status': 500, 'count': 5})
    try:
        with pytest.raises(UpstreamError):
            await service.aod_sessions(fresh=True)
    finally:
        sim.set_faults()


async def test_a_persons_launch_goes_through_their_own_token(service: SessionService, sim: SimulatorServer) -> None:
    session_id = await service.launch(Actor('bob', 'member'), LaunchRequest(
        agent_id=agent_id('codex-refactor', owner=BOB_TOKEN), prompt='mine'))
    assert sim.state.sessions[session_id].owner == BOB_TOKEN


async def test_with_two_working_tokens_both_are_listed(service: SessionService, sim: SimulatorServer) -> None:
    await service.upstreams.vault.remove('bob')
    await service.upstreams.vault.remove('carol')
    alice = seed(sim, ALICE_TOKEN, 6)
    shared = seed(sim, SHARED, 7)
    listed = {info.id for info in await service.aod_sessions(fresh=True)}
    assert {alice, shared} <= listed


async def test_each_person_is_offered_their_own_agents_by_name(service: SessionService) -> None:
    agents = await service.agents(Actor('bob', 'member'))
    names = [agent.name for agent in agents]
    assert names == sorted(names, key=str.lower) and 'codex-refactor' in names
    assert {agent.id for agent in agents if agent.name == 'codex-refactor'} == {agent_id('codex-refactor',
                                                                                        owner=BOB_TOKEN)}
    shared = await service.agents()
    assert {agent.id for agent in shared if agent.name == 'codex-refactor'} == {agent_id('codex-refactor')}
