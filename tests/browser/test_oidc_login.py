"""Signing in through a real OpenID Connect provider (oidc-provider on Node.js, on loopback) in real Chromium."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.oidc.fixture import start_oidc_provider

from ..helpers import DASHBOARD_TOKEN
from .conftest import Dashboard, screenshot

CLIENT_SECRET = 'dashboard-oidc-client-secret-0123456789'


@pytest.fixture(scope='module')
def provider():
    with start_oidc_provider(client_id='aod-ui', client_secret=CLIENT_SECRET, redirect_uris=(
            'http://127.0.0.1/auth/callback',), post_logout_redirect_uris=('http://127.0.0.1/login',),
            loopback_any_port=True, require_pkce=True, control=True) as oidc:
        yield oidc


@pytest.fixture(scope='module')
def oidc_dashboard(simulator, provider, tmp_path_factory):
    env = {'AOD_API_URL': simulator.url, 'AOD_API_TOKEN': DASHBOARD_TOKEN,
           'AOD_UI_STORAGE_SECRET': 'oidc-test-storage-secret-0123456789abcdef', 'AOD_UI_SECURE_COOKIES': 'false',
           'AOD_UI_AUTH': 'oidc', 'AOD_UI_OIDC_DISCOVERY_URL': provider.discovery_url,
           'AOD_UI_OIDC_CLIENT_ID': 'aod-ui', 'AOD_UI_OIDC_CLIENT_SECRET': CLIENT_SECRET,
           'AOD_UI_OIDC_SCOPES': 'openid email profile groups', 'AOD_UI_OIDC_ALLOWED_DOMAINS': 'example.com',
           'AOD_UI_OIDC_ADMIN_VALUES': 'aod-admins', 'AOD_UI_OIDC_MEMBER_VALUES': 'developers',
           'AOD_UI_OIDC_DEFAULT_ROLE': 'none', 'AOD_UI_LOG_LEVEL': 'warning', 'AOD_UI_OIDC_RECHECK_SECONDS': '1'}
    server = Dashboard(env, tmp_path_factory.mktemp('oidc-dashboard'))
    yield server
    server.stop()


def provider_login(page: Page, login: str, password: str) -> None:
    page.get_by_label('Username or email').fill(login)
    page.get_by_label('Password').fill(password)
    page.get_by_role('button', name='Sign in').click()


def test_sign_in_work_and_sign_out(page: Page, oidc_dashboard, provider):
    page.goto(f'{oidc_dashboard.url}/new')
    expect(page).to_have_url(re.compile(r'.*/login\?next=/new'))
    page.get_by_role('button', name='Sign in').click()
    expect(page.get_by_label('Username or email')).to_be_visible()
    screenshot(page, 'oidc-provider-login')
    provider_login(page, 'bob', 'secret-bob')
    expect(page).to_have_url(re.compile(r'.*/new$'))
    page.get_by_label('Prompt').fill('Signed in through the identity provider.\nscenario: success')
    page.get_by_role('button', name='Start session').click()
    page.wait_for_url(re.compile(r'.*/sessions/[0-9a-f-]+$'))
    expect(page.get_by_text('started by bob@example.com')).to_be_visible()
    page.goto(oidc_dashboard.url)
    expect(page.get_by_text('Signed in through the identity provider.')).to_be_visible()
    screenshot(page, 'oidc-signed-in-list')
    page.get_by_text('account_circle').click()  # sign-out is an action of the page, never a link
    page.get_by_text('Sign out').click()
    expect(page).to_have_url(re.compile(r'.*/login$'), timeout=15_000)
    page.goto(f'{oidc_dashboard.url}/')
    expect(page).to_have_url(re.compile(r'.*/login\?next=/'))


def test_groups_decide_the_role(page: Page, oidc_dashboard):
    page.goto(f'{oidc_dashboard.url}/people')
    page.get_by_role('button', name='Sign in').click()
    provider_login(page, 'alice', 'secret-alice')
    expect(page.get_by_text('People', exact=True).first).to_be_visible()
    expect(page.get_by_text('alice@example.com').first).to_be_visible()
    expect(page.get_by_text('Only admins may manage people.')).to_have_count(0)


def test_outsiders_and_unverified_addresses_are_refused(browser, oidc_dashboard):
    for login, password in (('eve', 'secret-eve'), ('carol', 'secret-carol')):
        context = browser.new_context()
        page = context.new_page()
        page.goto(f'{oidc_dashboard.url}/login')
        page.get_by_role('button', name='Sign in').click()
        provider_login(page, login, password)
        expect(page).to_have_url(re.compile(r'.*/login$'))
        expect(page.get_by_text('Your account is not allowed here')).to_be_visible()
        context.close()


def test_an_attackers_unused_callback_does_not_sign_in_the_victim(browser, oidc_dashboard, provider):
    """Login CSRF: the attacker starts a sign-in in their own browser, signs in at the provider as themselves, and
    gets the victim's browser to open the callback address they did not use. The state in it belongs to the
    attacker's browser, so the victim's is refused and stays signed out."""
    with httpx.Client(timeout=10) as attacker:
        started = attacker.get(f'{oidc_dashboard.url}/auth/oidc/login?next=/')
        assert started.status_code == 302
        callback = provider.login(started.headers['location'], 'bob', 'secret-bob')
    assert callback.startswith(f'{oidc_dashboard.url}/auth/callback?code=')
    context = browser.new_context()
    victim = context.new_page()
    victim.goto(f'{oidc_dashboard.url}/login')
    victim.get_by_role('button', name='Sign in').click()  # the victim's own sign-in, left at the provider's form
    expect(victim.get_by_label('Username or email')).to_be_visible()
    victim.goto(callback)
    expect(victim).to_have_url(re.compile(r'.*/login$'))
    expect(victim.get_by_text('Sign-in was not completed')).to_be_visible()
    victim.goto(f'{oidc_dashboard.url}/new')
    expect(victim).to_have_url(re.compile(r'.*/login\?next=/new'))
    context.close()


def test_open_pages_leave_when_the_provider_takes_the_group_away(browser, oidc_dashboard, provider):
    pages = []
    for _ in range(2):  # two browsers of the same admin
        context = browser.new_context()
        page = context.new_page()
        page.goto(f'{oidc_dashboard.url}/people')
        page.get_by_role('button', name='Sign in').click()
        provider_login(page, 'alice', 'secret-alice')
        expect(page).to_have_url(re.compile(r'.*/people$'))
        expect(page.get_by_text('Add a person')).to_be_visible()
        pages.append(page)
    provider.change('alice', groups=[])
    try:
        for page in pages:
            expect(page).to_have_url(re.compile(r'.*/login\?next=/people'), timeout=15_000)
        pages[0].get_by_role('button', name='Sign in').click()  # the provider still knows her: refused here
        expect(pages[0].get_by_text('no role on this dashboard')).to_be_visible()
    finally:
        provider.change('alice', groups=['aod-admins'])
        for page in pages:
            page.context.close()
