"""Signing in through a real OpenID Connect provider (oidc-provider on loopback), over the dashboard's own routes:
the callback, what is stored for browsers that never signed in, signatures that are refused, a refusal that ends
the person's other sign-ins, and linking on the People page."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from nicegui import app
from nicegui.storage import Storage
from nicegui.testing import User

from aod_ui.services._passwords import hash_password
from storage import User as Person
from tests.oidc.fixture import OidcProvider, start_oidc_provider

from .support import eventually


@pytest.fixture(scope='module')
def providers() -> Iterator[dict[str, OidcProvider]]:
    """The usual provider (RS256, test control on), started once; others on first use."""
    started: dict[str, OidcProvider] = {}
    started['RS256'] = start_oidc_provider(loopback_any_port=True, control=True)
    yield started
    for provider in started.values():
        provider.stop()


def provider_for(providers: dict[str, OidcProvider], alg: str) -> OidcProvider:
    if alg not in providers:
        providers[alg] = start_oidc_provider(loopback_any_port=True, id_token_alg=alg)
    return providers[alg]


@pytest.fixture
def oidc(providers) -> Iterator[OidcProvider]:
    provider = providers['RS256']
    yield provider
    for name, groups in (('alice', ['aod-admins']), ('bob', ['developers'])):
        provider.change(name, groups=groups, disabled=False)


def oidc_env(monkeypatch, provider: OidcProvider) -> None:
    for name, value in {'AOD_UI_AUTH': 'oidc', 'AOD_UI_OIDC_DISCOVERY_URL': provider.discovery_url,
                        'AOD_UI_OIDC_CLIENT_ID': provider.client_id,
                        'AOD_UI_OIDC_CLIENT_SECRET': provider.client_secret,
                        'AOD_UI_OIDC_SCOPES': 'openid email profile groups',
                        'AOD_UI_OIDC_ALLOWED_DOMAINS': 'example.com', 'AOD_UI_OIDC_ADMIN_VALUES': 'aod-admins',
                        'AOD_UI_OIDC_MEMBER_VALUES': 'developers', 'AOD_UI_OIDC_DEFAULT_ROLE': 'none',
                        'AOD_UI_PUBLIC_URL': 'http://127.0.0.1:9'}.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def dashboard(dashboard_env, monkeypatch, oidc) -> Path:
    oidc_env(monkeypatch, oidc)
    return Path(dashboard_env['AOD_UI_DATA_DIR'])


def system():
    return app.state.aod_system


async def provider_sign_in(user: User, oidc: OidcProvider, login: str, next: str = '/') -> httpx.Response:
    """The whole round trip: the dashboard's login route, the provider's form, back to the callback."""
    started = await user.http_client.get(f'/auth/oidc/login?next={next}')
    assert started.status_code == 302, started.text
    callback = await oidc.alogin(started.headers['location'], login, oidc.account(login).password)
    parts = urlsplit(callback)
    return await user.http_client.get(f'{parts.path}?{parts.query}')


def browser_files() -> list[Path]:
    return sorted(Storage.path.glob('storage-user-*.json'))


async def test_sign_in_returns_to_the_page_asked_for_and_audits_issuer_and_subject(dashboard, user: User, oidc):
    answer = await provider_sign_in(user, oidc, 'bob', next='/new')
    assert (answer.status_code, answer.headers['location']) == (303, '/new')
    assert (await user.http_client.get('/')).status_code == 200
    entries = [e for e in system().store.audit.query(action='login') if e.outcome == 'ok']
    assert any(e.actor == 'bob@example.com' and f'issuer {oidc.issuer}, subject u-bob' in e.detail for e in entries)
    assert system().store.users.get('bob@example.com').identity == (oidc.issuer, 'u-bob')


async def test_nothing_is_stored_for_browsers_that_never_signed_in(dashboard, user: User, oidc):
    for number in range(60):
        user.http_client.cookies.clear()  # each request a new browser
        answer = await user.http_client.get(f'/auth/oidc/login?next=/sessions/{number}')
        assert answer.status_code == 302
        user.http_client.cookies.clear()
        forged = await user.http_client.get(f'/auth/callback?code=c{number}&state=s{number}')
        assert forged.headers['location'] == '/login'
    assert list(system().store.audit.query(action='login')) == []  # no record of browsers that started nothing
    user.http_client.cookies.clear()
    refused = await provider_sign_in(user, oidc, 'eve')  # not allowed here
    assert refused.headers['location'] == '/login'
    await user.open('/login')
    await user.should_see('Your account is not allowed here')
    await asyncio.sleep(0.5)  # NiceGUI writes storage files in the background
    assert browser_files() == []
    signed_in = await provider_sign_in(user, oidc, 'bob')
    assert signed_in.status_code == 303
    await eventually(lambda: len(browser_files()) == 1)  # signing in is what makes a record


@pytest.fixture(params=['none', 'HS256'])
def signed_with(request, dashboard_env, monkeypatch, providers) -> OidcProvider:
    """A dashboard whose provider signs ID tokens with `none` (advertising it first) or HS256."""
    provider = provider_for(providers, request.param)
    oidc_env(monkeypatch, provider)
    return provider


async def test_id_tokens_must_carry_an_asymmetric_signature(signed_with, user: User):
    provider = signed_with
    answer = await provider_sign_in(user, provider, 'bob')
    assert answer.headers['location'] == '/login'
    assert (await user.http_client.get('/')).status_code == 303
    await user.open('/login')
    await user.should_see('answer could not be verified')
    assert system().store.users.count() == 0


async def test_a_refused_sign_in_ends_the_persons_other_sign_ins(dashboard, user: User, create_user, oidc):
    laptop, phone = create_user(), create_user()
    assert (await provider_sign_in(laptop, oidc, 'alice')).status_code == 303
    assert (await laptop.http_client.get('/people')).status_code == 200
    oidc.change('alice', groups=[])
    refused = await provider_sign_in(phone, oidc, 'alice')
    assert refused.headers['location'] == '/login'
    assert (await laptop.http_client.get('/people')).status_code == 303  # out on the laptop too, at once
    assert system().store.users.get('alice@example.com').role == 'admin'  # the last admin keeps the role


async def test_an_admin_links_a_local_account_on_the_people_page(dashboard, user: User, create_user, oidc):
    system().store.users.add(Person(username='bob@example.com', role='member',
                                    password_hash=hash_password('bob-local-pass-1')))
    refused = await provider_sign_in(create_user(), oidc, 'bob')  # the name is a local account's: refused
    assert refused.headers['location'] == '/login'
    clashes = [e.detail for e in system().store.audit.query(action='login') if 'name clash' in e.detail]
    assert clashes and 'subject u-bob' in clashes[0]
    await provider_sign_in(user, oidc, 'alice')
    await user.open('/people')
    user.find(marker='link-bob@example.com').click()
    await user.should_see(marker='link-subject')
    user.find(marker='link-subject').type('u-bob')
    user.find(marker='link-confirm').click()
    await user.should_see('bob@example.com is linked to subject u-bob.', retries=50)
    assert system().store.users.get('bob@example.com').identity == (oidc.issuer, 'u-bob')
    assert (await provider_sign_in(create_user(), oidc, 'bob')).status_code == 303
    links = list(system().store.audit.query(action='link identity'))
    assert [(e.actor, e.target, e.outcome) for e in links] == [('alice@example.com', 'bob@example.com', 'ok')]

