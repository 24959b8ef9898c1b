"""Per-person tokens in real Chromium: a person works through their own token, and neither their token nor the
shared one ever reaches the browser."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx
import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import expect

from aod_ui.services._passwords import hash_password
from aod_ui.simulator import SimulatorConfig, SimulatorServer
from storage import User, open_store

from .conftest import ROOT, Dashboard

SHARED = 'aod_shared_service_token_browser_0123'
PERSONAL = 'aod_personal_token_of_pat_0123456789'


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(SHARED, PERSONAL), time_scale=0.02)).start_in_thread()
    data = tmp_path_factory.mktemp('per-user') / 'data'
    store = open_store(data)
    store.users.add(User(username='pat', role='admin', password_hash=hash_password('pat-password-123')))
    store.close()
    env = {'AOD_API_URL': server.url, 'AOD_API_TOKEN': SHARED, 'AOD_UI_TOKEN_MODE': 'per-user',
           'AOD_UI_TOKEN_KEY': Fernet.generate_key().decode(), 'AOD_UI_STORAGE_SECRET': 's' * 40,
           'AOD_UI_SECURE_COOKIES': 'false', 'AOD_UI_AUTH': 'local', 'AOD_UI_LOG_LEVEL': 'warning'}
    cli_env = {**os.environ, **env, 'AOD_UI_DATA_DIR': str(data)}
    cli_env.pop('PYTEST_CURRENT_TEST', None)
    subprocess.run([sys.executable, str(ROOT / 'main.py'), 'users', 'token', 'pat'], input=PERSONAL, env=cli_env,
                   check=True, capture_output=True, text=True, timeout=60)
    dashboard = Dashboard(env, data)
    yield dashboard, server
    dashboard.stop()
    server.stop_thread()


def test_no_token_reaches_the_browser(browser, setup):
    dashboard, server = setup
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    seen: list[str] = []
    page.on('websocket', lambda ws: (ws.on('framereceived', lambda frame: seen.append(str(frame))),
                                      ws.on('framesent', lambda frame: seen.append(str(frame)))))

    def keep(response) -> None:
        try:
            seen.append(response.text())
        except Exception:  # redirects have no body
            seen.append(str(response.headers))
    page.on('response', keep)
    page.goto(f'{dashboard.url}/login')
    page.get_by_label('Username').fill('pat')
    page.get_by_label('Password').fill('pat-password-123')
    page.get_by_role('button', name='Sign in').click()
    page.wait_for_url(re.compile(r'.*/(\?scope=\w+)?$'))  # the list names its scope in its address
    page.goto(f'{dashboard.url}/people')
    expect(page.get_by_text(re.compile(r'token aod_pers… set'))).to_be_visible()
    page.goto(f'{dashboard.url}/new?agent=codex-refactor')
    page.get_by_label('Prompt').fill('Work through my own token.\nscenario: success')
    page.get_by_role('button', name='Start session').click()
    page.wait_for_url(re.compile(r'.*/sessions/[0-9a-f-]+$'))
    session_id = page.url.rsplit('/', 1)[-1]
    expect(page.get_by_text('Agent exited with code 0')).to_be_visible(timeout=30_000)
    page.get_by_role('button', name='Delete', exact=True).click()
    page.get_by_role('dialog').get_by_role('button', name='Delete').click()
    page.wait_for_url(re.compile(r'.*/\?deleted=1$|.*/$'))
    page.goto(f'{dashboard.url}/audit')
    expect(page.get_by_text(re.compile(r'\[token aod_pers…\]')).first).to_be_visible()
    context.close()
    with httpx.Client(base_url=server.url, headers={'Authorization': f'Bearer {PERSONAL}'}) as client:
        assert session_id not in {s['id'] for s in client.get('/sessions').json()['data']}
    assert seen
    assert not [item for item in seen if PERSONAL in item or SHARED in item]
