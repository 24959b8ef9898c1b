"""The sweep of per-browser storage files: what is left of browsers nobody is signed in on goes, a bounded number
of files per run."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from aod_ui.auth._browsers import sweep_browser_storage

NOW = 1_800_000_000.0


def browser(folder: Path, browser_id: str, data: object, age: float = 3600.0) -> Path:
    path = folder / f'storage-user-{browser_id}.json'
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    os.utime(path, (NOW - age, NOW - age))
    return path


def live(username: str, signed_in_at: float) -> bool:
    return username == 'ada' and signed_in_at > NOW - 12 * 3600


def test_only_the_storage_of_live_sign_ins_stays(tmp_path: Path) -> None:
    kept = [browser(tmp_path, 'signed-in', {'username': 'ada', 'signed_in_at': NOW - 60, 'dark': True}),
            browser(tmp_path, 'fresh', {'dark': False}, age=10),  # just written: maybe a sign-in under way
            browser(tmp_path, 'open-page', {'dark': True}),  # loaded by a page right now
            tmp_path / 'storage-general.json']
    kept[-1].write_text('{}')
    gone = [browser(tmp_path, 'anonymous', {'next': '/sessions/1'}),
            browser(tmp_path, 'signed-out', {'dark': True}),
            browser(tmp_path, 'expired', {'username': 'ada', 'signed_in_at': NOW - 13 * 3600}),
            browser(tmp_path, 'ended', {'username': 'max', 'signed_in_at': NOW - 60}),
            browser(tmp_path, 'broken', '{not json')]
    removed = sweep_browser_storage(tmp_path, live, in_use={'open-page'}, now=NOW)
    assert removed == len(gone)
    assert all(path.exists() for path in kept)
    assert not any(path.exists() for path in gone)


def test_one_run_looks_at_a_bounded_number_of_files(tmp_path: Path) -> None:
    for number in range(50):
        browser(tmp_path, f'b{number}', {'next': '/'})
    assert sweep_browser_storage(tmp_path, live, now=NOW, limit=20) == 20
    assert sweep_browser_storage(tmp_path, live, now=NOW, limit=20) == 20
    assert sweep_browser_storage(tmp_path, live, now=NOW, limit=20) == 10
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_nothing_to_sweep(tmp_path: Path) -> None:
    assert sweep_browser_storage(tmp_path / 'absent', live, now=time.time()) == 0


def test_a_starting_dashboard_sweeps_what_browsers_left(simulator, tmp_path: Path) -> None:
    from tests.browser.conftest import Dashboard
    from tests.helpers import DASHBOARD_TOKEN
    folder = tmp_path / 'data' / 'browser-storage'
    folder.mkdir(parents=True)
    abandoned = browser(folder, 'abandoned', {'next': '/sessions/1'}, age=NOW - time.time() + 3600)  # an hour old
    dashboard = Dashboard({'AOD_API_URL': simulator.url, 'AOD_API_TOKEN': DASHBOARD_TOKEN,
                           'AOD_UI_STORAGE_SECRET': 'sweep-test-storage-secret-0123456789abcdef',
                           'AOD_UI_LOG_LEVEL': 'warning'}, tmp_path / 'data')
    try:
        deadline = time.monotonic() + 10
        while abandoned.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not abandoned.exists()
    finally:
        dashboard.stop()
