"""The rules around per-person tokens, each refusal word for word: the vault (key, unknown people, removal, a token
marked broken once, rotation), which client serves whom (fallback to the shared token, nobody's working token,
disabled people), and who may set a token of which shape."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from cryptography.fernet import Fernet
from nicegui import core

from aod_ui.errors import ActionError, ConfigError, NotAllowed, UpstreamError
from aod_ui.services import Actor, TokenService, TokenVault, Upstreams
from aod_ui.services._tokens import token_prefix
from aod_ui.simulator import SimulatorConfig, SimulatorServer
from aod_ui.upstream import Upstream
from storage import User, memory_store

SHARED = 'aod_shared_service_token_0123456789'
ALICE_TOKEN = 'aod_alice_personal_token_0123456789'
ADA = Actor('ada', 'admin')
ALICE = Actor('alice', 'member')


@pytest.fixture(scope='module')
def sim() -> Iterator[SimulatorServer]:
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(SHARED, ALICE_TOKEN), time_scale=0.02,
                                             control=True)).start_in_thread()
    yield server
    server.stop_thread()


class World:
    def __init__(self, sim: SimulatorServer, *, fallback: str = 'refuse', shared: bool = True,
                 self_service: bool = False) -> None:
        self.store = memory_store()
        for user in (User(username='alice'), User(username='bob'), User(username='ada', role='admin')):
            self.store.users.add(user)
        self.key = Fernet.generate_key().decode()
        self.vault = TokenVault(self.store, self.key)
        self.made: list[Upstream] = []
        self.shared = Upstream(sim.url, SHARED, timeout=10) if shared else None

        def make(token: str) -> Upstream:
            client = Upstream(sim.url, token, timeout=10)
            self.made.append(client)
            return client
        self.upstreams = Upstreams(self.shared, vault=self.vault, store=self.store, make=make, fallback=fallback)
        # without self_service: the default, which lets only admins manage tokens
        self.tokens = TokenService(self.upstreams, self.store, **({'self_service': True} if self_service else {}))

    async def close(self) -> None:
        await self.upstreams.aclose()
        if self.shared is not None:
            await self.shared.aclose()


@pytest.fixture
async def world(sim: SimulatorServer) -> AsyncIterator[World]:
    core.loop = asyncio.get_running_loop()
    built = World(sim)
    yield built
    await built.close()


# -- the vault --------------------------------------------------------------------------------------------------

def test_a_bad_key_is_refused_with_how_to_make_one() -> None:
    with pytest.raises(ConfigError) as refused:
        TokenVault(memory_store(), 'not a fernet key')
    assert str(refused.value) == ('AOD_UI_TOKEN_KEY is not a valid key. Generate one with: python -c "from '
                                  'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"')
    assert TokenVault(memory_store(), Fernet.generate_key()).info('nobody') is None  # bytes do as well


def test_a_prefix_shows_eight_characters() -> None:
    assert token_prefix(ALICE_TOKEN) == 'aod_alic…'


async def test_saving_records_who_set_the_token_and_when(world: World) -> None:
    before = time.time()
    info = await world.vault.save('alice', ALICE_TOKEN, 'ada')
    stored = world.vault.info('alice')
    assert (info.prefix, info.set_by, info.broken) == ('aod_alic…', 'ada', False)
    assert stored == info and before <= stored.set_at <= time.time()
    with pytest.raises(ActionError) as unknown:
        await world.vault.save('zed', ALICE_TOKEN, 'ada')
    assert str(unknown.value) == 'There is no person called zed.'
    assert world.vault.info('zed') is None and world.vault.token('zed') is None
    assert world.vault.info('bob') is None and world.vault.token('bob') is None


def test_a_token_stored_without_its_setter_reads_as_set_by_nobody() -> None:
    store = memory_store()
    store.users.add(User(username='alice'))
    vault = TokenVault(store, Fernet.generate_key().decode())
    store.users.update('alice', extra={'aod_token': {'ciphertext': 'x', 'prefix': 'aod_alic…', 'set_at': 1.0}})
    assert vault.info('alice').set_by == '' and not vault.info('alice').broken


async def test_a_token_under_another_key_reads_as_none_and_says_so(world: World, caplog) -> None:
    await world.vault.save('alice', ALICE_TOKEN, 'ada')
    with caplog.at_level(logging.ERROR, logger='aod_ui.services._tokens'):
        assert TokenVault(world.store, Fernet.generate_key().decode()).token('alice') is None
    assert [r.getMessage() for r in caplog.records] == [
        'the stored AoD token of alice cannot be decrypted with AOD_UI_TOKEN_KEY']


async def test_removal_says_whether_there_was_a_token_and_keeps_the_rest(world: World) -> None:
    world.store.users.update('alice', extra={'theme': 'dark'})
    assert await world.vault.remove('alice') is False
    assert await world.vault.remove('zed') is False
    await world.vault.save('alice', ALICE_TOKEN, 'ada')
    assert await world.vault.remove('alice') is True
    assert world.store.users.get('alice').extra == {'theme': 'dark'}
    assert world.vault.info('alice') is None


async def test_a_token_is_marked_broken_once(world: World) -> None:
    await world.vault.mark_broken('alice', 'no token to break')  # nothing stored: nothing happens
    assert world.vault.info('alice') is None
    await world.vault.save('alice', ALICE_TOKEN, 'ada')
    await world.vault.mark_broken('alice', 'revoked')
    first = world.store.users.get('alice').extra['aod_token']
    await world.vault.mark_broken('alice', 'again')
    assert world.store.users.get('alice').extra['aod_token'] == first
    info = world.vault.info('alice')
    assert (info.broken, info.broken_reason) == (True, 'revoked')
    assert first['broken_at'] >= first['set_at']
    await world.vault.mark_broken('zed', 'nobody')


async def test_rotation_names_the_token_it_cannot_read(world: World) -> None:
    await world.vault.save('alice', ALICE_TOKEN, 'ada')
    with pytest.raises(ConfigError) as refused:
        TokenVault(world.store, Fernet.generate_key().decode()).rotate(Fernet.generate_key().decode())
    assert str(refused.value) == ('The token of alice cannot be decrypted with the current AOD_UI_TOKEN_KEY; nothing '
                                  'was changed.')
    new_key = Fernet.generate_key().decode()
    assert world.vault.rotate(new_key) == 1
    rotated = TokenVault(world.store, new_key)
    assert rotated.token('alice') == ALICE_TOKEN and rotated.info('alice').prefix == 'aod_alic…'


# -- which client serves whom -----------------------------------------------------------------------------------

async def test_a_person_without_a_working_token_is_told_why(world: World) -> None:
    with pytest.raises(NotAllowed) as none:
        world.upstreams.for_actor(ALICE)
    assert str(none.value) == 'You have no AoD token on this dashboard yet. Ask an admin to set one for you.'
    await world.vault.save('alice', ALICE_TOKEN, 'ada')
    assert world.upstreams.for_actor(ALICE).owner == 'alice'
    await world.vault.mark_broken('alice', 'revoked')
    with pytest.raises(NotAllowed) as broken:
        world.upstreams.for_actor(ALICE)
    assert str(broken.value) == ('AoD refused your personal token (revoked or expired). Ask an admin to set a new '
                                 'one.')


async def test_with_the_shared_fallback_a_person_without_a_token_uses_the_shared_one(sim: SimulatorServer) -> None:
    world = World(sim, fallback='shared')
    try:
        assert world.upstreams.for_actor(ALICE) is world.shared
        await world.vault.save('alice', ALICE_TOKEN, 'ada')
        await world.vault.mark_broken('alice', 'revoked')
        assert world.upstreams.for_actor(ALICE) is world.shared
    finally:
        await world.close()


async def test_shared_mode_serves_everyone_with_the_shared_client(sim: SimulatorServer) -> None:
    shared = Upstream(sim.url, SHARED, timeout=10)
    store = memory_store()
    store.users.add(User(username='alice'))
    try:
        for upstreams in (Upstreams(shared), Upstreams(shared, store=store)):
            assert not upstreams.per_person
            assert upstreams.for_actor(ALICE) is shared and upstreams.for_owner('alice') is shared
            assert upstreams.for_session('any-session') is shared
            assert upstreams.every() == [shared]
    finally:
        await shared.aclose()


async def test_a_session_without_a_record_goes_through_the_shared_token(world: World) -> None:
    await world.vault.save('alice', ALICE_TOKEN, 'ada')
    assert world.upstreams.for_session('not-recorded') is world.shared


async def test_a_session_nobody_can_reach_is_not_found(sim: SimulatorServer) -> None:
    world = World(sim, shared=False)
    try:
        with pytest.raises(UpstreamError) as unreachable:
            world.upstreams.for_owner('alice')
        assert (unreachable.value.kind, str(unreachable.value)) == (
            'not_found', 'No AoD token can reach this session: its owner has no working token.')
        assert world.upstreams.every() == []
        await world.vault.save('alice', ALICE_TOKEN, 'ada')
        assert world.upstreams.for_owner('alice').owner == 'alice'
        with pytest.raises(UpstreamError):
            world.upstreams.for_owner(None)
    finally:
        await world.close()


async def test_one_client_per_token_and_none_for_disabled_people(world: World) -> None:
    await world.vault.save('alice', ALICE_TOKEN, 'ada')
    await world.vault.save('bob', ALICE_TOKEN, 'ada')  # the same token for two people: one client
    clients = world.upstreams.every()
    assert clients[0] is world.shared and len(clients) == 2 and len(world.made) == 1
    assert world.upstreams.for_owner('alice') is world.upstreams.for_owner('alice')
    world.store.users.update('alice', disabled=True)
    world.store.users.update('bob', disabled=True)
    assert world.upstreams.every() == [world.shared]


async def test_a_personal_token_refused_by_aod_is_marked_broken(world: World, sim: SimulatorServer) -> None:
    await world.vault.save('alice', ALICE_TOKEN, 'ada')
    client = world.upstreams.for_actor(ALICE)
    sim.revoke_token(ALICE_TOKEN)
    try:
        with pytest.raises(UpstreamError):
            await client.list_sessions()
        for _ in range(100):
            if world.vault.info('alice').broken:
                break
            await asyncio.sleep(0.01)
        info = world.vault.info('alice')
        assert (info.broken, info.broken_reason) == (
            True, 'AoD answered 401: the token was revoked, expired or deactivated.')
    finally:
        sim.call(sim.state.add_token, ALICE_TOKEN)


# -- who may set which token ------------------------------------------------------------------------------------

async def test_setting_a_token_is_checked_shaped_and_audited(world: World, sim: SimulatorServer) -> None:
    for bad in ('abc_alice_personal_token', 'aod_short', 'aod_1234567', 'aod_with a space_0123'):
        with pytest.raises(ActionError) as shape:
            await world.tokens.set(ADA, 'bob', bad)
        assert str(shape.value) == 'That does not look like an AoD token (they start with aod_).'
    with pytest.raises(ActionError) as unknown:  # twelve characters: the shape will do, AoD says no
        await world.tokens.set(ADA, 'bob', 'aod_12345678')
    assert str(unknown.value) == 'AoD refused this token (401): check that it is complete, active and not expired.'
    info = await world.tokens.set(ADA, 'alice', f'  {SHARED}\n')
    assert info.prefix == 'aod_shar…' and world.vault.token('alice') == SHARED
    assert (info.set_by, world.vault.info('alice').set_by) == ('ada', 'ada')
    [entry] = world.store.audit.query(action='set token')
    assert (entry.actor, entry.target, entry.detail) == ('ada', 'alice', 'token aod_shar…')
    await world.tokens.remove(ADA, 'alice')
    await world.tokens.remove(ADA, 'alice')  # nothing left to remove: nothing recorded
    assert [(e.actor, e.target) for e in world.store.audit.query(action='remove token')] == [('ada', 'alice')]
    assert world.tokens.enabled and world.tokens.info('alice') is None


async def test_only_admins_set_other_peoples_tokens_unless_people_may_set_their_own(sim: SimulatorServer) -> None:
    strict, open_ = World(sim), World(sim, self_service=True)
    try:
        for world in (strict, open_):
            with pytest.raises(NotAllowed) as refused:
                await world.tokens.set(ALICE, 'bob', SHARED)
            assert str(refused.value) == "Only admins may manage another person's AoD token."
        with pytest.raises(NotAllowed):
            await strict.tokens.remove(ALICE, 'alice')
        await open_.tokens.set(ALICE, 'alice', SHARED)
        await open_.tokens.remove(ALICE, 'alice')
    finally:
        await strict.close()
        await open_.close()


async def test_a_token_aod_cannot_check_is_refused_with_the_reason(world: World, sim: SimulatorServer) -> None:
    sim.set_faults(status_burst={'route': 'list', 'status': 503, 'count': 1})
    try:
        with pytest.raises(ActionError) as failed:
            await world.tokens.set(ADA, 'alice', ALICE_TOKEN)
    finally:
        sim.set_faults()
    assert str(failed.value).startswith('The token could not be checked: AoD failed to list sessions (503')
    assert world.vault.info('alice') is None


async def test_per_person_tokens_off_is_said_plainly(sim: SimulatorServer) -> None:
    shared = Upstream(sim.url, SHARED, timeout=10)
    tokens = TokenService(Upstreams(shared), memory_store())
    try:
        assert not tokens.enabled and tokens.info('alice') is None
        with pytest.raises(ActionError) as off:
            await tokens.set(ADA, 'alice', ALICE_TOKEN)
        assert str(off.value) == 'Per-person tokens are off (AOD_UI_TOKEN_MODE=shared).'
    finally:
        await shared.aclose()
