"""`main.py users link`: an admin at the command line binds a local account to a provider identity, which then signs
in to it (claims from the real provider); the link is audited."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from aod_ui.services import OidcPolicy, PeopleService
from storage import User, open_store
from tests.oidc.claims import id_token_claims
from tests.oidc.fixture import OidcProvider

ROOT = Path(__file__).resolve().parents[2]


def cli(tmp_path: Path, oidc: OidcProvider, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, 'AOD_UI_DATA_DIR': str(tmp_path / 'data'), 'AOD_UI_AUTH': 'oidc',
           'AOD_UI_OIDC_DISCOVERY_URL': oidc.discovery_url, 'AOD_UI_OIDC_CLIENT_ID': oidc.client_id,
           'AOD_UI_OIDC_CLIENT_SECRET': oidc.client_secret}
    env.pop('PYTEST_CURRENT_TEST', None)
    env.pop('AOD_API_URL', None)
    return subprocess.run([sys.executable, str(ROOT / 'main.py'), 'users', *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


async def test_the_command_line_links_an_account_to_an_identity(tmp_path: Path, oidc_provider: OidcProvider):
    store = open_store(tmp_path / 'data')
    store.users.add(User(username='alice@example.com', role='admin', password_hash='opaque', auth_source='local'))
    store.close()
    claims = await id_token_claims(oidc_provider, 'alice')
    store = open_store(tmp_path / 'data')
    try:
        refused = PeopleService(store)
        try:
            await refused.login_oidc(claims, OidcPolicy(), claims['iss'])
        except Exception as error:  # the local account is not hers until linked
            assert 'main.py users link alice@example.com u-alice' in str(error)
        else:
            raise AssertionError('a provider identity signed in to a local account')
    finally:
        store.close()
    done = cli(tmp_path, oidc_provider, 'link', 'alice@example.com', 'u-alice')
    assert done.returncode == 0, done.stderr
    assert f'subject u-alice of {oidc_provider.issuer}' in done.stdout
    listed = cli(tmp_path, oidc_provider, 'list')
    assert f'[u-alice at {oidc_provider.issuer}]' in listed.stdout
    store = open_store(tmp_path / 'data')
    try:
        people = PeopleService(store)
        alice = await people.login_oidc(claims, OidcPolicy(admin_values=('aod-admins',)), claims['iss'])
        assert (alice.username, alice.role) == ('alice@example.com', 'admin')
        links = [(e.actor, e.target, e.outcome) for e in store.audit.query(action='link identity')]
        assert links == [('cli', 'alice@example.com', 'ok')]
    finally:
        store.close()
