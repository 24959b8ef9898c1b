"""Page tests run the dashboard from `main.py` in NiceGUI's simulated browser (the `user` fixture), talking to the
test simulator over real HTTP."""

import pytest


@pytest.fixture(autouse=True)
def _dashboard_environment(dashboard_env):
    return dashboard_env
