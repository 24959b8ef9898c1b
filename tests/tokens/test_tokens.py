"""Per-person AoD tokens against a simulator that knows several tokens, each its own owner."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from nicegui import core

from aod_ui.errors import NotAllowed
from aod_ui.hub import HubRegistry
from aod_ui.services import Actor, LaunchRequest, SessionService, TokenService, TokenVault, Upstreams
from aod_ui.simulator import SimulatorConfig, SimulatorServer, agent_id
from aod_ui.upstream import Upstream
from storage import User, open_store

ROOT = Path(__file__).resolve().parents[2]
SHARED = 'aod_shared_service_token_0123456789'
ALICE_TOKEN = 'aod_alice_personal_token_0123456789'
BOB_TOKEN = 'aod_bob_personal_token_0123456789ab'
# AoD scopes agents to their owner: each person's token has its own codex-refactor
ALICE_CODEX = agent_id('codex-refactor', owner=ALICE_TOKEN)
BOB_CODEX = agent_id('codex-refactor', owner=BOB_TOKEN)
ALICE = Actor('alice', 'member')
BOB = Actor('bob', 'member')
ADA = Actor('ada', 'admin')


@pytest.fixture(scope='module')
def multi():
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(SHARED, ALICE_TOKEN, BOB_TOKEN), time_scale=0.02,
                                             control=True)).start_in_thread()
    yield server
    server.stop_thread()


@pytest.fixture
async def system(multi, tmp_path):
    core.loop = asyncio.get_running_loop()
    store = open_store(tmp_path / 'data')
    for user in (User(username='alice'), User(username='bob'), User(username='ada', role='admin')):
        store.users.add(user)
    key = Fernet.generate_key().decode()
    shared = Upstream(multi.url, SHARED, timeout=10)
    upstreams = Upstreams(shared, vault=TokenVault(store, key), store=store,
                          make=lambda token: Upstream(multi.url, token, timeout=10))
    tokens = TokenService(upstreams, store)
    hubs = HubRegistry(lambda sid: upstreams.for_session(sid),
                       spawn=lambda c, n: asyncio.get_running_loop().create_task(c))
    sessions = SessionService(upstreams, store, hubs)
    await tokens.set(ADA, 'alice', ALICE_TOKEN)
    await tokens.set(ADA, 'bob', BOB_TOKEN)
    yield type('System', (), {'store': store, 'upstreams': upstreams, 'tokens': tokens, 'sessions': sessions,
                              'key': key, 'data': tmp_path / 'data'})
    await hubs.stop_all()
    await upstreams.aclose()
    await shared.aclose()
    store.close()


def ids_seen_by(server: SimulatorServer, token: str) -> set[str]:
    with httpx.Client(base_url=server.url, headers={'Authorization': f'Bearer {token}'}) as client:
        return {s['id'] for s in client.get('/sessions').json()['data']}


async def test_launches_land_under_each_persons_token(system, multi):
    alice_id = await system.sessions.launch(ALICE, LaunchRequest(agent_id=ALICE_CODEX, prompt='alice work'))
    bob_id = await system.sessions.launch(BOB, LaunchRequest(agent_id=BOB_CODEX, prompt='bob work'))
    assert alice_id in ids_seen_by(multi, ALICE_TOKEN) and alice_id not in ids_seen_by(multi, BOB_TOKEN)
    assert bob_id in ids_seen_by(multi, BOB_TOKEN) and bob_id not in ids_seen_by(multi, ALICE_TOKEN)
    assert not {alice_id, bob_id} & ids_seen_by(multi, SHARED)
    # the admin's All view merges every token's sessions, each once
    rows = await system.sessions.list(ADA)
    assert [r.id for r in rows].count(alice_id) == 1 and [r.id for r in rows].count(bob_id) == 1
    # actions on a session use its owner's token, whoever acts: an admin stops alice's session
    await system.sessions.stop(ADA, alice_id)
    entries = system.store.audit.query(action='stop', session_id=alice_id)
    assert 'token aod_alic…' in entries[0].detail
    assert ALICE_TOKEN not in entries[0].detail


async def test_a_person_without_a_token_is_refused(system):
    await system.tokens.remove(ADA, 'bob')
    with pytest.raises(NotAllowed, match='no AoD token'):
        await system.sessions.launch(BOB, LaunchRequest(agent_id=BOB_CODEX, prompt='no token'))


async def test_a_revoked_token_breaks_only_its_owner(system, multi):
    alice_id = await system.sessions.launch(ALICE, LaunchRequest(agent_id=ALICE_CODEX, prompt='before revocation'))
    httpx.post(f'{multi.url}/_sim/tokens/{ALICE_TOKEN}/revoke')
    try:
        with pytest.raises(Exception, match='personal token of alice'):
            await system.upstreams.for_actor(ALICE).list_sessions()
        await asyncio.sleep(0.1)
        assert system.tokens.info('alice').broken
        assert not system.tokens.info('bob').broken
        with pytest.raises(NotAllowed, match='refused your personal token'):
            await system.sessions.launch(ALICE, LaunchRequest(agent_id=ALICE_CODEX, prompt='after'))
        bob_id = await system.sessions.launch(BOB, LaunchRequest(agent_id=BOB_CODEX, prompt='bob still works'))
        assert bob_id in {r.id for r in await system.sessions.list(BOB)}
        assert alice_id  # alice's session stays upstream; her token must be replaced to reach it
    finally:
        httpx.post(f'{multi.url}/_sim/tokens/{ALICE_TOKEN}')


async def test_a_wrong_token_is_refused_before_saving(system):
    with pytest.raises(Exception, match='refused this token'):
        await system.tokens.set(ADA, 'bob', 'aod_not_a_real_token_at_all_123')
    assert system.tokens.info('bob').prefix == 'aod_bob_…'


async def test_members_cannot_set_others_tokens(system):
    with pytest.raises(NotAllowed):
        await system.tokens.set(BOB, 'alice', BOB_TOKEN)


async def test_tokens_are_encrypted_at_rest_and_survive_rotation(system):
    raw = (system.data / 'users.db.json').read_bytes()
    assert ALICE_TOKEN.encode() not in raw and BOB_TOKEN.encode() not in raw
    new_key = Fernet.generate_key().decode()
    assert system.upstreams.vault.rotate(new_key) == 2
    rotated = TokenVault(system.store, new_key)
    assert rotated.token('alice') == ALICE_TOKEN and rotated.token('bob') == BOB_TOKEN
    with pytest.raises(Exception, match='cannot be decrypted'):
        TokenVault(system.store, Fernet.generate_key().decode()).rotate(Fernet.generate_key().decode())
    assert rotated.token('alice') == ALICE_TOKEN  # a failed rotation changed nothing


def test_cli_sets_a_token_from_standard_input_only(multi, tmp_path):
    data = tmp_path / 'data'
    store = open_store(data)
    store.users.add(User(username='carol'))
    store.close()
    key = Fernet.generate_key().decode()
    env = {**os.environ, 'AOD_UI_DATA_DIR': str(data), 'AOD_API_URL': multi.url, 'AOD_UI_TOKEN_MODE': 'per-user',
           'AOD_UI_TOKEN_KEY': key, 'AOD_UI_STORAGE_SECRET': 'x' * 40}
    env.pop('PYTEST_CURRENT_TEST', None)
    result = subprocess.run([sys.executable, str(ROOT / 'main.py'), 'users', 'token', 'carol'], input=ALICE_TOKEN,
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert 'aod_alic…' in result.stdout and ALICE_TOKEN not in result.stdout + result.stderr
    store = open_store(data)
    assert TokenVault(store, key).token('carol') == ALICE_TOKEN
    store.close()
    new_key = Fernet.generate_key().decode()
    result = subprocess.run([sys.executable, str(ROOT / 'main.py'), 'tokens', 'rotate'], input=new_key, env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    store = open_store(data)
    assert TokenVault(store, new_key).token('carol') == ALICE_TOKEN
    store.close()
