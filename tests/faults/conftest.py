"""Fault tests drive the dashboard through its pages (the `user` fixture) and its services."""

import pytest


@pytest.fixture(autouse=True)
def _dashboard_environment(dashboard_env):
    return dashboard_env
