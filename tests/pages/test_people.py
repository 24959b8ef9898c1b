"""Signing in, roles, ownership and the audit trail, through the pages (local accounts and a trusted header)."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from storage import open_store

from ..helpers import eventually
from .support import PASSWORDS, sign_in, signed_in  # noqa: F401


async def test_pages_need_sign_in(people, user: User):
    for path in ('/', '/new', '/people', '/audit', '/sessions/abc'):
        response = await user.http_client.get(path)
        assert response.status_code == 303
        assert response.headers['location'].startswith('/login?next=')


async def test_wrong_password_then_right_one(people, user: User):
    await sign_in(user, 'olga', 'not-her-password')
    await user.should_see('Wrong username or password.', retries=50)
    await sign_in(user, 'nobody', 'whatever-password')
    await user.should_see('Wrong username or password.', retries=50)
    await signed_in(user, 'olga')
    store = open_store(people)
    actions = [(e.actor, e.outcome) for e in store.audit.query(action='login')]
    store.close()
    assert ('olga', 'ok') in actions and ('olga', 'denied') in actions and ('nobody', 'denied') in actions


async def test_failed_sign_ins_are_rate_limited(people, user: User):
    for _ in range(5):
        await sign_in(user, 'max', 'wrong-password-here')
        await user.should_see('Wrong username or password.', retries=50)
    await sign_in(user, 'max')  # even the right password waits now
    await user.should_see('Too many failed sign-ins')


async def test_members_cannot_reach_admin_pages(people, user: User):
    await signed_in(user, 'olga')
    await user.open('/people')
    await user.should_see('Only admins may manage people.')
    await user.open('/audit')
    await user.should_see('Only admins may read the audit trail.')


async def test_viewer_cannot_start_sessions(people, user: User):
    await signed_in(user, 'vic')
    await user.open('/new')
    await user.should_see('Your role may watch sessions but not start them.')


async def test_admin_manages_people_and_a_disabled_person_is_out_at_once(people, user: User, create_user):
    member = create_user()
    await signed_in(member, 'max')
    await signed_in(user, 'ada')
    await user.open('/people')
    await user.should_see('Olga')
    user.find(marker='toggle-max').click()
    await user.should_see('max disabled.', retries=50)
    await eventually(lambda: member.back_history[-1].startswith('/login') or 'login' in member.back_history[-1]
                     or member.back_history[-1] == '/', timeout=5)
    await member.open('/')
    await member.should_see('Sign in')
    await sign_in(member, 'max')
    await member.should_see('Wrong username or password.')
    # add a person, then they can sign in (opening the page again makes this person's request the current one:
    # the simulated browser runs every person's clicks in the test's own context)
    await user.open('/people')
    user.find(marker='add-person').click()
    user.find(marker='new-username').type('nina')
    user.find(marker='new-password').type('violet-harbour-42')
    user.find(marker='add').click()
    await user.should_see('nina added.', retries=50)
    newcomer = create_user()
    await signed_in(newcomer, 'nina', 'violet-harbour-42')


async def test_private_sessions_stay_private(people, user: User, create_user):
    await signed_in(user, 'olga')
    await user.open('/new?agent=codex-refactor')
    user.find(marker='prompt').type('private work of olga')
    user.find(marker='visibility').elements.pop().value = 'private'
    user.find(marker='start').click()
    await eventually(lambda: user.back_history[-1].startswith('/sessions/'))
    session_path = user.back_history[-1]
    other = create_user()
    await signed_in(other, 'max')
    await other.open(session_path)
    await other.should_see('No such session')
    await other.open('/')
    await other.should_see(marker='empty-sessions')  # no session at all for max (the table is hidden)
    await other.should_not_see('private work of olga')
    admin = create_user()
    await signed_in(admin, 'ada')
    await admin.open(session_path)
    await admin.should_see('private work of olga')


async def test_audit_page_lists_and_exports(people, user: User):
    await signed_in(user, 'ada')
    await user.open('/audit')
    with user:
        table = user.find(marker='audit-table').elements.pop()
    assert any(row['actor'] == 'ada' and row['action'] == 'login' for row in table.rows)
    user.find(marker='export-csv').click()
    await eventually(lambda: bool(user.download.http_responses))
    body = user.download.http_responses[-1].text
    assert body.splitlines()[0].startswith('id,')
    assert 'ada' in body


async def test_demo_mode_seeds_accounts_and_shows_them(monkeypatch, tmp_path, user_in_demo):
    await user_in_demo.open('/login')
    await user_in_demo.should_see('Demo only')
    with user_in_demo:
        texts = [e.text for e in user_in_demo.find(marker='demo-account').elements]
    line = next(t for t in texts if t.startswith('admin: '))
    name, password = line.removeprefix('admin: ').split(' / ')
    await signed_in(user_in_demo, name, password)
    await user_in_demo.should_see('Demo mode: built-in simulator')


@pytest.fixture
async def user_in_demo(monkeypatch, tmp_path, request):
    for name in ('AOD_API_URL', 'AOD_API_TOKEN', 'AOD_UI_STORAGE_SECRET'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('AOD_UI_AUTH', 'local')
    monkeypatch.setenv('AOD_UI_DEMO_TIME_SCALE', '0.02')
    from nicegui.testing.general_fixtures import get_path_to_main_file
    from nicegui.testing.user_simulation import user_simulation
    async with user_simulation(main_file=get_path_to_main_file(request)) as demo_user:
        yield demo_user


@pytest.fixture
def proxy_at(dashboard_env, monkeypatch, request):
    monkeypatch.setenv('AOD_UI_AUTH', 'header')
    monkeypatch.setenv('AOD_UI_TRUSTED_PROXIES', request.param)


@pytest.mark.parametrize('proxy_at', ['127.0.0.0/8'], indirect=True)
async def test_trusted_header_signs_in_from_the_proxy(proxy_at, user: User):
    user.http_client.headers['X-Forwarded-Email'] = 'carol@example.com'
    await user.open('/')
    await user.should_see('Sessions')
    await user.should_see('carol@example.com')
    del user.http_client.headers['X-Forwarded-Email']  # the proxy no longer vouches: signed out
    response = await user.http_client.get('/')
    assert response.status_code == 303 and response.headers['location'].startswith('/login')


@pytest.mark.parametrize('proxy_at', ['10.9.9.9'], indirect=True)
async def test_header_from_elsewhere_is_ignored(proxy_at, user: User):
    user.http_client.headers['X-Forwarded-Email'] = 'mallory@example.com'
    response = await user.http_client.get('/')
    assert response.status_code == 303 and response.headers['location'].startswith('/login')


async def test_a_refused_new_person_keeps_the_form_and_marks_the_wrong_field(people, user: User):
    await signed_in(user, 'ada')
    await user.open('/people')
    user.find(marker='add-person').click()
    user.find(marker='new-username').type('nina')
    user.find(marker='new-name').type('Nina Park')
    user.find(marker='new-email').type('nina@example.com')
    user.find(marker='new-password').type('short')
    user.find(marker='add').click()

    def field(marker: str):
        with user:
            return user.find(marker=marker).elements.pop()
    await eventually(lambda: field('new-password').error is not None)
    assert 'at least' in field('new-password').error
    assert [field(m).value for m in ('new-username', 'new-name', 'new-email', 'new-password')] == \
        ['nina', 'Nina Park', 'nina@example.com', 'short']
    assert field('new-username').error is None
    # the name taken: the username is marked now, the password's mark went when it was changed
    user.find(marker='new-username').clear().type('olga')
    user.find(marker='new-password').clear().type('violet-harbour-42')
    assert field('new-password').error is None
    user.find(marker='add').click()
    await eventually(lambda: field('new-username').error == 'There is already a person called olga.')
    assert field('new-name').value == 'Nina Park'
    user.find(marker='new-username').clear().type('nina')
    user.find(marker='add').click()
    await user.should_see('nina added.', retries=50)
    assert [field(m).value for m in ('new-username', 'new-name', 'new-email', 'new-password')] == ['', '', '', '']
    with user:
        assert user.find(marker='person-nina').elements
