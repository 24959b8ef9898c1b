"""Page tests run the dashboard from `main.py` in NiceGUI's simulated browser (the `user` fixture), talking to the
test simulator over real HTTP."""

from pathlib import Path

import pytest

from aod_ui.services._passwords import hash_password
from storage import User as Person
from storage import open_store

from .support import PASSWORDS, ROLES


@pytest.fixture(autouse=True)
def _dashboard_environment(dashboard_env):
    return dashboard_env


@pytest.fixture
def people(dashboard_env, monkeypatch) -> Path:
    monkeypatch.setenv('AOD_UI_AUTH', 'local')
    data = Path(dashboard_env['AOD_UI_DATA_DIR'])
    store = open_store(data)
    for name, password in PASSWORDS.items():
        store.users.add(Person(username=name, display_name=name.title(), role=ROLES[name],
                               password_hash=hash_password(password)))
    store.close()
    return data
