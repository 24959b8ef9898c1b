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


def test_files_younger_than_the_grace_period_stay(tmp_path: Path) -> None:
    young = browser(tmp_path, 'young', {'next': '/'}, age=599.5)
    due = browser(tmp_path, 'due', {'next': '/'}, age=600.0)
    assert sweep_browser_storage(tmp_path, live, now=NOW) == 1
    assert young.exists() and not due.exists()
    assert sweep_browser_storage(tmp_path, live, now=NOW, grace=599.0) == 1
    assert not young.exists()


def test_only_browser_storage_files_are_touched(tmp_path: Path) -> None:
    others = [tmp_path / 'storage-user-x.json.bak', tmp_path / 'storage-user-y.txt', tmp_path / 'user-z.json',
              tmp_path / 'notes.json']
    for path in others:
        path.write_text('{}')
        os.utime(path, (NOW - 3600, NOW - 3600))
    assert sweep_browser_storage(tmp_path, live, now=NOW) == 0
    assert all(path.exists() for path in others)


def test_a_sign_in_needs_a_name_and_a_time_to_count(tmp_path: Path) -> None:
    asked: list[tuple[str, float]] = []

    def still(username: str, signed_in_at: float) -> bool:
        asked.append((username, signed_in_at))
        return True
    kept = browser(tmp_path, 'whole', {'username': 'ada', 'signed_in_at': 1_799_999_000})
    gone = [browser(tmp_path, 'no-time', {'username': 'ada'}),
            browser(tmp_path, 'time-as-text', {'username': 'ada', 'signed_in_at': '1799999000'}),
            browser(tmp_path, 'name-not-text', {'username': 7, 'signed_in_at': NOW}),
            browser(tmp_path, 'a-list', [{'username': 'ada', 'signed_in_at': NOW}])]
    assert sweep_browser_storage(tmp_path, still, now=NOW) == len(gone)
    assert kept.exists() and not any(path.exists() for path in gone)
    assert asked == [('ada', 1_799_999_000.0)] and isinstance(asked[0][1], float)


def test_without_a_time_given_the_sweep_uses_the_clock(tmp_path: Path) -> None:
    later = browser(tmp_path, 'later', {'next': '/'})  # an hour before NOW, which is still to come
    path = tmp_path / 'storage-user-recent.json'
    path.write_text('{}')
    os.utime(path, (time.time() - 3600, time.time() - 3600))
    assert sweep_browser_storage(tmp_path, live) == 1
    assert later.exists() and not path.exists()


async def test_the_sweep_repeats_and_survives_its_own_failures(tmp_path: Path, caplog) -> None:
    import asyncio
    import contextlib
    import logging

    from aod_ui.auth._browsers import sweep_forever
    folders = [tmp_path / 'missing-file-here', tmp_path]
    (tmp_path / 'missing-file-here').write_text('')  # a file where a folder should be: the sweep fails
    path = tmp_path / 'storage-user-left.json'
    path.write_text('{}')
    os.utime(path, (time.time() - 3600, time.time() - 3600))
    open_page = tmp_path / 'storage-user-open-page.json'
    open_page.write_text('{}')
    os.utime(open_page, (time.time() - 3600, time.time() - 3600))
    signed_in = tmp_path / 'storage-user-ada.json'
    signed_in.write_text(json.dumps({'username': 'ada', 'signed_in_at': time.time() - 3600}))
    os.utime(signed_in, (time.time() - 3600, time.time() - 3600))
    calls = []

    def folder() -> Path:
        calls.append(1)
        return folders[min(len(calls), 2) - 1]
    with caplog.at_level(logging.INFO, logger='aod_ui.auth._browsers'):
        task = asyncio.create_task(sweep_forever(folder, lambda username, at: username == 'ada',
                                                 lambda: ['open-page'], interval=0.01))
        removed = 'removed the storage of 1 browser(s) nobody is signed in on'
        for _ in range(500):
            if any(record.getMessage() == removed for record in caplog.records):
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert not path.exists() and len(calls) >= 2
    assert open_page.exists() and signed_in.exists()  # the page open now, and the person signed in
    messages = [record.getMessage() for record in caplog.records]
    assert 'sweeping browser storage failed' in messages
    assert removed in messages
