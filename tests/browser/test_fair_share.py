"""Fair share in real Chromium: at their limit, a person sees why on New session before typing, on a desktop, on a
phone and in dark mode, and the start button waits until a session ends."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..helpers import DASHBOARD_TOKEN
from .conftest import Dashboard, screenshot

LIMIT = 'You have 1 of 1 active session; stop one or ask an admin.'


@pytest.fixture(scope='module')
def limited(simulator, tmp_path_factory):
    env = {'AOD_API_URL': simulator.url, 'AOD_API_TOKEN': DASHBOARD_TOKEN,
           'AOD_UI_STORAGE_SECRET': 'browser-test-storage-secret-0123456789abcdef', 'AOD_UI_REFRESH_SECONDS': '1',
           'AOD_UI_LOG_LEVEL': 'warning', 'AOD_UI_AUTH': 'none', 'AOD_UI_SECURE_COOKIES': 'false',
           'AOD_UI_ACTIVE_SESSION_LIMITS': 'admin=1'}
    server = Dashboard(env, tmp_path_factory.mktemp('fair-share'))
    yield server
    server.stop()


def test_the_limit_is_shown_before_typing_and_lifts_when_a_session_ends(browser, limited):
    context = browser.new_context(viewport={'width': 1280, 'height': 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f'{limited.url}/new?agent=codex-refactor')
    page.get_by_label('Prompt').fill('Keep going until stopped.\nscenario: long')
    page.get_by_role('button', name='Start session').click()
    page.wait_for_url(re.compile(r'.*/sessions/[0-9a-f-]+$'))
    session_url = page.url
    page.goto(f'{limited.url}/new')
    expect(page.get_by_text(LIMIT)).to_be_visible()
    expect(page.get_by_role('button', name='Start session')).to_be_disabled()
    screenshot(page, 'fair-share-desktop')
    page.get_by_role('button').filter(has_text='dark_mode').click()
    expect(page.locator('body.body--dark')).to_have_count(1)
    screenshot(page, 'fair-share-dark')

    phone = browser.new_context(viewport={'width': 390, 'height': 844}, is_mobile=True, has_touch=True)
    small = phone.new_page()
    small.goto(f'{limited.url}/new')
    expect(small.get_by_text(LIMIT)).to_be_visible()
    screenshot(small, 'fair-share-phone')

    page.goto(session_url)
    page.get_by_role('button', name='Stop', exact=True).click()
    page.get_by_role('button', name='Stop session').click()
    expect(page.get_by_text('terminated', exact=True).first).to_be_visible()
    # the phone's open page asks again by itself: the notice goes and the button comes back
    expect(small.get_by_text(LIMIT)).to_be_hidden(timeout=15_000)
    expect(small.get_by_role('button', name='Start session')).to_be_enabled()
    phone.close()
    context.close()
