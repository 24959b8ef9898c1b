"""Attacks on a dashboard process run exactly as people run it (`python main.py` under uvicorn), over real HTTP and
websockets, from a client that does not behave like a browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from aod_ui.services._passwords import hash_password
from storage import User, open_store

from ..browser.conftest import Dashboard
from ..helpers import DASHBOARD_TOKEN

ACCOUNTS = {'ada': ('admin', 'ada-secret-pass-1'), 'olga': ('member', 'olga-secret-pass-2')}


def start(simulator, data: Path, **env: str) -> Dashboard:
    data.mkdir(parents=True, exist_ok=True)
    store = open_store(data)
    for name, (role, password) in ACCOUNTS.items():
        if store.users.get(name) is None:
            store.users.add(User(username=name, display_name=name.title(), role=role,
                                 password_hash=hash_password(password)))
    store.close()
    base = {'AOD_API_URL': simulator.url, 'AOD_API_TOKEN': DASHBOARD_TOKEN,
            'AOD_UI_STORAGE_SECRET': 'attack-test-storage-secret-0123456789abcdef', 'AOD_UI_LOG_LEVEL': 'info',
            'AOD_UI_SECURE_COOKIES': 'false', 'AOD_UI_AUTH': 'local'}
    for name in [n for n in os.environ if n.startswith('AOD_')]:
        base.setdefault(name, '')  # nothing from the test's own environment leaks in
    return Dashboard({**base, **env}, data)


@pytest.fixture
def dashboard_at(simulator, tmp_path) -> Iterator:
    started: list[Dashboard] = []

    def make(**env: str) -> Dashboard:
        server = start(simulator, tmp_path / f'data{len(started)}', **env)
        started.append(server)
        return server
    yield make
    for server in started:
        server.stop()
