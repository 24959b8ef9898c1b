"""Page tests run the dashboard from `main.py` in NiceGUI's simulated browser (the `user` fixture), talking to the
test simulator over real HTTP."""

from pathlib import Path

import pytest
from nicegui import context
from nicegui.testing import User
from nicegui.testing.user_navigate import UserNavigate

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


class _RoutedNavigate(UserNavigate):
    """Navigation asked for by a page goes to the simulated person whose page asked. (NiceGUI's simulation sends it
    to whichever person the test touched last, so with several people one person's sign-in could land in another's
    browser; sign-in ends in a navigation that must come from the same browser.)"""

    def __init__(self, person: User, everyone: list[User]) -> None:
        super().__init__(person)
        self.everyone = everyone

    def to(self, target, new_tab: bool = False) -> None:
        try:
            here = context.client
        except RuntimeError:
            here = None
        owner = next((p for p in self.everyone if object.__getattribute__(p, 'client') is here), self.user)
        UserNavigate.to(object.__getattribute__(owner, 'navigate'), target, new_tab)


def _prepared(person: User, everyone: list[User]) -> User:
    # The dashboard answers a loopback name only when nobody signs in (AOD_UI_AUTH=none, the default of these
    # tests), against DNS rebinding; NiceGUI's simulated browsers say `Host: test`, so they use 127.0.0.1.
    person.http_client.base_url = 'http://127.0.0.1'
    person.navigate = _RoutedNavigate(person, everyone)
    everyone.append(person)
    return person


@pytest.fixture
def _everyone() -> list[User]:
    return []


@pytest.fixture
def user(user, _everyone):
    return _prepared(user, _everyone)


@pytest.fixture
def create_user(create_user, _everyone):
    return lambda: _prepared(create_user(), _everyone)
