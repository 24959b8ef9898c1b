"""A smoke run of the benchmark harness: every scenario, tiny, no timing judged; it must run end to end and report
both sides."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_smoke_run(tmp_path):
    if not Path(os.environ.get('AOD_UI_CHROMIUM', '/usr/bin/chromium')).exists():
        if os.environ.get('AOD_UI_REQUIRE_BROWSER'):
            pytest.fail('Chromium is required for the benchmark smoke run')
        pytest.skip('Chromium not installed')
    env = {k: v for k, v in os.environ.items() if k not in {'PYTEST_CURRENT_TEST', 'NICEGUI_USER_SIMULATION'}}
    result = subprocess.run([sys.executable, '-m', 'bench', '--smoke', '--out', str(tmp_path)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=400)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((tmp_path / 'latest.json').read_text())
    api = [row for row in report['rows'] if 'API followers' in row['scenario']]  # ours alone: no baseline
    assert {row['metric']: row['ours'] for row in api if row['metric'] in {'upstream stream connections',
                                                                          'API follower errors'}} == {
        'upstream stream connections': 1, 'API follower errors': 0}
    assert all(row['ours'] is not None for row in api)
    assert all(row['baseline'] is not None for row in api if 'latency' in row['metric'])  # the page beside them
    rows = [row for row in report['rows'] if row not in api]
    assert {row['metric'] for row in rows} >= {'upstream stream connections', 'latency p50 (ms)',
                                               'server memory per viewer (MB)', 'time to interactive (s)',
                                               'highest events/s with p99 ≤ 1 s', 'later open (s)',
                                               'dashboard memory, highest (MB)'}
    connections = [row for row in rows if row['metric'] == 'upstream stream connections']
    assert all(row['ours'] == 1 for row in connections)  # one upstream stream however many viewers
    assert connections[-1]['baseline'] == 3  # the plain proxy opens one per viewer
    compared = [row for row in rows if row['metric'] != 'viewer errors']
    assert all(row['ours'] is not None and row['baseline'] is not None for row in compared)
    load = [row for row in rows if row['metric'] == 'viewer errors']
    assert load and load[0]['ours'] == 0, load  # the websocket load run: no viewer failed
    assert (tmp_path / 'latest.md').read_text().startswith('| scenario |')
