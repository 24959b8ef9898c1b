"""The browser notification path in real Chromium: watching a session asks the browser's permission, and when the
session is stopped the page shows a notification through the Notification API (recorded by a wrapper around it)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from aod_ui.services._passwords import hash_password
from storage import User, open_store

from ..helpers import DASHBOARD_TOKEN
from .conftest import Dashboard, screenshot

RECORD = '''(() => {
  const Real = window.Notification;
  window.aodShown = [];
  class Recorded extends Real {
    constructor(title, options) { super(title, options); window.aodShown.push([title, (options || {}).body]); }
  }
  Recorded.requestPermission = (...args) => Real.requestPermission(...args);
  Object.defineProperty(Recorded, 'permission', {get: () => Real.permission});
  window.Notification = Recorded;
})()'''


@pytest.fixture(scope='module')
def signed(simulator, tmp_path_factory):
    data = tmp_path_factory.mktemp('notifications') / 'data'
    store = open_store(data)
    store.users.add(User(username='pat', role='member', password_hash=hash_password('pat-password-123')))
    store.close()
    env = {'AOD_API_URL': simulator.url, 'AOD_API_TOKEN': DASHBOARD_TOKEN, 'AOD_UI_STORAGE_SECRET': 's' * 40,
           'AOD_UI_SECURE_COOKIES': 'false', 'AOD_UI_AUTH': 'local', 'AOD_UI_LOG_LEVEL': 'warning'}
    server = Dashboard(env, data)
    yield server
    server.stop()


def test_a_watched_session_ending_shows_a_browser_notification(browser, signed):
    context = browser.new_context(viewport={'width': 1280, 'height': 900})
    context.grant_permissions(['notifications'], origin=signed.url)
    context.add_init_script(RECORD)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f'{signed.url}/login')
    page.get_by_label('Username').fill('pat')
    page.get_by_label('Password').fill('pat-password-123')
    page.get_by_role('button', name='Sign in').click()
    page.wait_for_url(re.compile(r'.*/(\?scope=\w+)?$'))  # the list names its scope in its address
    page.goto(f'{signed.url}/new?agent=codex-refactor')
    page.get_by_label('Prompt').fill('Tell me when you stop.\nscenario: long')
    page.get_by_role('button', name='Start session').click()
    page.wait_for_url(re.compile(r'.*/sessions/[0-9a-f-]+$'))
    page.get_by_role('switch', name='Watch').click()
    expect(page.get_by_role('switch', name='Watch')).to_be_checked()
    assert page.evaluate('Notification.permission') == 'granted'
    screenshot(page, 'watch-toggle')
    page.get_by_role('button', name='Stop', exact=True).click()
    page.get_by_role('button', name='Stop session').click()
    page.wait_for_function('window.aodShown.length > 0', timeout=20_000)
    shown = page.evaluate('window.aodShown')
    assert shown == [['Session was stopped', 'Tell me when you stop. (agent codex-refactor)']]
    context.close()
