"""A smoke run of the benchmark harness: every scenario cut down to seconds, nothing judged; it must run end to
end, measure both sides, count every tick, and its raw results must turn into the docs' tables through the report."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.registry import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]


def _rows(results: Path, name: str) -> list[dict]:
    raw = json.loads((results / f'{name}.json').read_text())
    assert 'error' not in raw, raw['error']
    assert raw['quick'] and len(raw['repeats']) == 1
    return raw['repeats'][0]


def test_benchmark_quick_run_and_its_report(tmp_path):
    if not Path(os.environ.get('AOD_UI_CHROMIUM', '/usr/bin/chromium')).exists():
        if os.environ.get('AOD_UI_REQUIRE_BROWSER'):
            pytest.fail('Chromium is required for the benchmark smoke run')
        pytest.skip('Chromium not installed')
    env = {k: v for k, v in os.environ.items() if k not in {'PYTEST_CURRENT_TEST', 'NICEGUI_USER_SIMULATION'}}
    results = tmp_path / 'results'
    run = subprocess.run([sys.executable, '-m', 'bench', '--quick', '--soak', '0.3', '--rung-seconds', '1.5',
                          '--out', str(results)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert {path.stem for path in results.glob('*.json')} == set(SCENARIOS)

    connections = _rows(results, 'connections')
    assert all(row['ours'] == 1 for row in connections)  # one upstream stream however many viewers
    assert connections[-1]['baseline'] == 3  # the plain proxy opens one per viewer
    latency = _rows(results, 'latency')
    groups = {row['scenario'] for row in latency}
    assert any('stream-json' in g for g in groups) and any('plain text' in g for g in groups)
    assert any('joining and leaving' in g for g in groups)
    for row in latency:  # every viewer measured, both sides, every tick it should have had
        assert row['ours'] is not None and row['baseline'] is not None, row
        if row['metric'] == 'ticks received (% of expected)':
            assert row['ours'] == 100 and row['baseline'] == 100, row
    ceiling, *per_rate = _rows(results, 'throughput')
    counted = re.findall(r'(ours|baseline)@\d+: p99 \d+ ms, received ([\d,]*\d)/([\d,]*\d)', ceiling['note'])
    assert {side for side, _, _ in counted} == {'ours', 'baseline'}, ceiling['note']
    assert counted[0][1] == counted[0][2] != '0'  # the first rung: every tick of every page counted
    assert any(row['metric'].startswith('received at') for row in per_rate)
    assert all(row['ours'] is not None for row in _rows(results, 'page_load'))
    scaling = {row['metric'] for row in _rows(results, 'scaling')}
    assert {'p99 (ms)', 'dashboard CPU s per viewer-minute', 'websocket bytes per event per viewer',
            'dashboard RSS (MB)', 'viewers with p99 ≤ 1 s and every tick received'} <= scaling
    soak = {row['metric']: row for row in _rows(results, 'soak')}
    for name in ('asyncio tasks', 'NiceGUI clients', 'upstream streams', 'live streams (hubs)', 'viewers'):
        assert soak[f'{name}: after − before']['ours'] <= 0, soak[f'{name}: after − before']
    assert _rows(results, 'load')[0]['ours'] == 0  # the websocket load run: no viewer failed
    api = {row['metric']: row for row in _rows(results, 'api')}  # ours alone: the page beside them as yardstick
    assert api['upstream stream connections']['ours'] == 1 and api['API follower errors']['ours'] == 0
    assert all(row['baseline'] is not None for metric, row in api.items() if 'latency' in metric)
    archive = {row['metric']: row for row in _rows(results, 'archive')}
    assert archive['later open (s)']['ours'] is not None and archive['dashboard memory, highest (MB)']['ours']
    search = {row['metric']: row for row in _rows(results, 'search')}
    assert search['lines indexed']['ours'] == 100 * 1000  # the index holds every line generated
    assert all(search[metric]['ours'] is not None for metric in ('search p50 (ms)', 'search p99 (ms)',
                                                                 'index size per million lines (MB)'))
    live = search['live latency p99 while indexing (ms)']  # with indexing, and without (the baseline column)
    assert live['ours'] is not None and live['baseline'] is not None

    docs, readme = tmp_path / 'benchmarks.md', tmp_path / 'README.md'
    shutil.copy(ROOT / 'docs' / 'benchmarks.md', docs)
    shutil.copy(ROOT / 'README.md', readme)
    report = subprocess.run([sys.executable, '-m', 'bench.report', '--results', str(results), '--docs', str(docs),
                             '--readme', str(readme)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert report.returncode == 0, report.stderr
    text = docs.read_text()
    for scenario in SCENARIOS.values():
        assert f'### {scenario.title} (`{scenario.name}`)' in text
    assert 'No committed results yet' not in text
    assert 'A quick run: sizes and durations cut down' in text
    assert '| 1 session, 3 viewers | upstream stream connections | 1 | 3 |' in text
    assert '### The single-process ceiling' in text and 'Not measured yet' not in text
    summary = readme.read_text().split('<!-- bench:summary -->')[1].split('<!-- /bench:summary -->')[0]
    assert 'stream-json: Chromium latency p50 (ms)' in summary and 'the proxy:' in summary
