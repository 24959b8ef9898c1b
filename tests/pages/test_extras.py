"""Downloads, the health endpoint, and refusing to start on damaged data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from nicegui.testing import User

from .support import eventually, wait_for_text
from .test_sessions import launch_via_page

ROOT = Path(__file__).resolve().parents[2]


async def test_transcript_downloads(user: User):
    session_id = await launch_via_page(user, 'Download me.\nscenario: success', agent='code-review')
    await user.open(f'/sessions/{session_id}')
    await wait_for_text(user, 'Agent exited with code 0', timeout=20)
    user.find(marker='download-jsonl').click()
    await eventually(lambda: bool(user.download.http_responses))
    lines = user.download.http_responses[-1].text.splitlines()
    events = [json.loads(line) for line in lines]
    assert events[0]['type'] == 'start'
    assert events[-1]['type'] == 'exit'
    assert sum(1 for e in events if e['type'] == 'output') > 5
    user.find(marker='download-text').click()
    await eventually(lambda: len(user.download.http_responses) == 2)
    text = user.download.http_responses[-1].text
    assert 'Download me.' in text
    assert '$' in text  # tool calls read as shell-like lines


async def test_healthz_reports_aod(user: User):
    response = await user.http_client.get('/healthz')
    assert response.status_code == 200
    body = response.json()
    assert body['status'] == 'up' and body['aod']['reachable'] is True and body['demo'] is False


def test_damaged_data_file_stops_the_start_and_is_kept(tmp_path):
    data = tmp_path / 'data'
    data.mkdir()
    damaged = data / 'sessions.db.json'
    damaged.write_text('{"_meta": {"1": {"schema": 1}}, "sessions": {"1": {"session_id": ')
    before = damaged.read_bytes()
    env = {**os.environ, 'AOD_UI_DATA_DIR': str(data), 'AOD_UI_PORT': '0'}
    for name in ('PYTEST_CURRENT_TEST', 'NICEGUI_USER_SIMULATION', 'AOD_API_URL'):
        env.pop(name, None)
    result = subprocess.run([sys.executable, str(ROOT / 'main.py')], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert 'sessions.db.json' in result.stderr
    assert 'Traceback' not in result.stderr
    assert damaged.read_bytes() == before


def test_bad_configuration_is_reported_without_a_trace(tmp_path):
    env = {**os.environ, 'AOD_UI_PORT': 'eighty'}
    env.pop('PYTEST_CURRENT_TEST', None)
    result = subprocess.run([sys.executable, str(ROOT / 'main.py')], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert 'AOD_UI_PORT' in result.stderr and 'Traceback' not in result.stderr
