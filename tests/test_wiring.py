"""The service graph is built one way for the web app and the command line."""

from __future__ import annotations

import asyncio

from nicegui import core

from aod_ui.hub import HubRegistry
from aod_ui.settings import Settings
from aod_ui.wiring import build_services
from storage import memory_store

SETTINGS = {'AOD_API_URL': 'http://127.0.0.1:9', 'AOD_API_TOKEN': 'aod_wiring_test', 'AOD_UI_RETENTION_DAYS': '30',
            'AOD_UI_STORAGE_SECRET': 'x' * 40}


async def test_the_web_apps_hub_registry_is_the_one_the_services_wake() -> None:
    """A follow-up wakes the hub the page watches: the services share the registry they are given, even while it
    holds no hub yet."""
    core.loop = asyncio.get_running_loop()
    settings = Settings.load(SETTINGS, env_file=None)
    services = build_services(settings, memory_store())
    registry = HubRegistry(services.upstreams.for_session)
    given = build_services(settings, memory_store(), hubs=registry)
    try:
        assert given.sessions.hubs is registry
        assert services.sessions.hubs is not registry
        assert given.retention.policy.days == 30
    finally:
        await services.aclose()
        await given.aclose()
