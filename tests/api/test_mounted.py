"""The dashboard as it runs (`main.py` in a process of its own): the API at /api/v1 beside the pages, its docs and
schema, and a browser's cookies worth nothing there, even where the pages need no sign-in at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from aod_ui.services._api_tokens import TOKEN_PREFIX, digest
from storage import ApiToken, open_store

from ..helpers import BUG_FIX, DASHBOARD_TOKEN
from .conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = TOKEN_PREFIX + 'made-up-for-this-test-0123456789abcdefghijklmn'


@pytest.fixture
def dashboard(simulator, tmp_path):
    data = tmp_path / 'data'
    store = open_store(data)
    store.api_tokens.add(ApiToken(id='t1', owner='local', name='ci', digest=digest(SECRET), prefix=SECRET[:14],
                                  scopes=('read',), expires_at=time.time() + 3600))
    store.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {'PYTEST_CURRENT_TEST', 'NICEGUI_USER_SIMULATION'}}
    env.update({'PYTHONPATH': str(ROOT), 'AOD_API_URL': simulator.url, 'AOD_API_TOKEN': DASHBOARD_TOKEN,
                'AOD_UI_AUTH': 'none', 'AOD_UI_PORT': str(port), 'AOD_UI_DATA_DIR': str(data),
                'AOD_UI_STORAGE_SECRET': 'test-storage-secret-with-at-least-32-characters',
                'AOD_UI_SECURE_COOKIES': 'false', 'AOD_UI_LOG_LEVEL': 'info'})
    log = tmp_path / 'dashboard.log'
    with log.open('w') as out:
        process = subprocess.Popen([sys.executable, str(ROOT / 'main.py')], env=env, cwd=tmp_path, stdout=out,
                                   stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}'
    try:
        for _ in range(300):
            try:
                if httpx.get(url + '/healthz', timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise AssertionError('the dashboard did not start: ' + log.read_text()[-2000:])
        yield url, log
    finally:
        process.terminate()
        process.wait(10)


def test_the_api_is_mounted_beside_the_pages(dashboard):
    url, log = dashboard
    with httpx.Client(base_url=url, timeout=20) as browser:
        assert browser.get('/').status_code == 200  # the pages need no sign-in here ...
        answer = browser.get('/api/v1/sessions')  # ... the API still wants a token, cookies or not
        assert answer.status_code == 401 and answer.json()['error']['code'] == 'unauthorized'
        assert browser.get('/api/openapi.json').json()['info']['title'] == 'AoD Dashboard API'
        assert 'swagger' in browser.get('/api/docs').text.lower()
        answer = browser.get('/api/v1/me', headers={'Authorization': f'Bearer {SECRET}'})
        assert answer.status_code == 200 and answer.json()['username'] == 'local'
        assert browser.get('/api/v1/me', params={'t': SECRET}).status_code == 400
    assert SECRET not in log.read_text()


def test_the_api_passes_the_gate_and_nothing_else_of_the_pages(dashboard, simulator):
    """API requests go from the gate straight to the API (not through NiceGUI's middleware): the gate's refusals
    and headers still hold, answers are still compressed, and an event stream arrives whole."""
    url, _ = dashboard
    bearer = {'Authorization': f'Bearer {SECRET}'}
    with httpx.Client(base_url=url, timeout=20) as client:
        answer = client.get('/api/v1/me', headers=bearer)
        assert answer.headers['x-frame-options'] == 'DENY' and answer.headers['x-content-type-options'] == 'nosniff'
        assert 'set-cookie' not in answer.headers  # NiceGUI's session cookie is the pages' alone
        refused = client.get('/api/v1/me', headers={**bearer, 'Host': 'rebound.example'})
        assert refused.status_code == 403 and 'localhost' in refused.text  # DNS rebinding: the gate answers
        schema = client.get('/api/openapi.json', headers={'Accept-Encoding': 'gzip'})
        assert schema.headers['content-encoding'] == 'gzip' and schema.json()['info']['title'] == 'AoD Dashboard API'
        assert client.get('/api/v1/nothing-here', headers=bearer).json()['error']['code'] == 'no_such_endpoint'
    with httpx.Client(base_url=simulator.url, headers={'Authorization': f'Bearer {DASHBOARD_TOKEN}'}) as aod:
        session_id = aod.post('/sessions', json={'agent_id': BUG_FIX, 'prompt': 'scenario: success'}).json()['id']
    with httpx.Client(base_url=url, timeout=60) as client, \
            client.stream('GET', f'/api/v1/sessions/{session_id}/events', headers=bearer) as stream:
        assert stream.headers['content-type'].startswith('text/event-stream')
        events = [json.loads(line[6:]) for line in stream.iter_lines() if line.startswith('data: ')]
    assert events[0]['type'] == 'start' and events[-1]['type'] == 'exit'
    ids = [e['id'] for e in events if e['type'] == 'output']
    assert ids and ids == sorted(set(ids))  # each once, in order
