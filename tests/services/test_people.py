"""People as the service sees them: signing in by password, OpenID Connect claims or a proxy header, and their
management by admins, with the audit trail each leaves."""

from __future__ import annotations

import pytest

from aod_ui.errors import ActionError, NotAllowed
from aod_ui.services import Actor, LoginRefused, PeopleService
from aod_ui.services._passwords import verify_password
from storage import User, memory_store

from .test_sign_in import PASSWORD, cheap_hash

ADA = Actor('ada', 'admin')
STRONG = 'a-strong-pass-9'


def trail(people: PeopleService) -> list[tuple]:
    """The audit trail, oldest first."""
    return [(e.actor, e.action, e.outcome, e.target, e.detail) for e in reversed(people.store.audit.query())]


@pytest.fixture
def people() -> PeopleService:
    store = memory_store()
    store.users.add(User(username='ada', role='admin', password_hash=cheap_hash(PASSWORD), display_name='Ada'))
    store.users.add(User(username='olga', role='member', password_hash=cheap_hash(PASSWORD)))
    store.users.add(User(username='sso', role='member', auth_source='oidc'))
    return PeopleService(store)


# -- who is this ----------------------------------------------------------------------------------------------------

def test_the_actor_is_the_person_as_stored_now(people):
    assert people.actor('ada') == Actor('ada', 'admin', 'Ada')
    assert people.actor(' ADA ') == Actor('ada', 'admin', 'Ada')
    people.store.users.update('olga', disabled=True)
    assert people.actor('olga') is None
    assert people.actor('nobody') is None
    assert people.actor('') is None and people.actor(None) is None
    assert [u.username for u in people.everyone()] == ['ada', 'olga', 'sso']
    assert sorted(people.usernames()) == ['ada', 'olga', 'sso']


# -- password sign-in -----------------------------------------------------------------------------------------------

async def test_a_password_sign_in_records_when_and_how(people):
    actor = await people.login_local('  Olga ', PASSWORD, '10.1.1.1')
    assert actor == Actor('olga', 'member', '')
    assert people.store.users.get('olga').last_login_at is not None
    assert trail(people) == [('olga', 'login', 'ok', None, 'password, from 10.1.1.1')]
    await people.logout(actor)
    assert trail(people)[-1] == ('olga', 'logout', 'ok', None, '')


@pytest.mark.parametrize(('name', 'password', 'reason'), [
    ('olga', 'wrong-password', 'wrong name or password'),
    ('nobody', PASSWORD, 'wrong name or password'),
    ('sso', PASSWORD, 'wrong name or password'),  # signs in through the provider: no password here
    ('', PASSWORD, 'wrong name or password'),
])
async def test_a_refused_password_sign_in_says_nothing_about_the_account(people, name, password, reason):
    with pytest.raises(LoginRefused, match=r'^Wrong username or password\.$'):
        await people.login_local(name, password, '10.1.1.1')
    assert trail(people) == [(name or '(empty)', 'login', 'denied', None, f'{reason}, from 10.1.1.1')]
    assert people.store.users.get('olga').last_login_at is None


async def test_a_disabled_account_is_refused_with_the_same_words(people):
    people.store.users.update('olga', disabled=True)
    with pytest.raises(LoginRefused, match=r'^Wrong username or password\.$'):
        await people.login_local('olga', PASSWORD, '10.1.1.1')
    assert trail(people) == [('olga', 'login', 'denied', None, 'disabled, from 10.1.1.1')]
    with pytest.raises(LoginRefused, match=r'^Wrong username or password\.$'):
        await people.login_local('olga', 'not-her-password', '10.1.1.1')  # only the right password learns more
    assert trail(people)[-1][4] == 'wrong name or password, from 10.1.1.1'


# -- proxy header ---------------------------------------------------------------------------------------------------

async def test_a_proxy_header_signs_in_and_creates_people(people):
    actor = await people.login_header(' Pat@Example.com ', '10.2.2.2', 'viewer')
    assert (actor.username, actor.role) == ('pat@example.com', 'viewer')
    user = people.store.users.get('pat@example.com')
    assert (user.auth_source, user.email, user.display_name) == ('header', 'pat@example.com', 'Pat@Example.com')
    assert (await people.login_header('olga', '10.2.2.2', 'viewer')).role == 'member'  # known: role kept
    assert people.store.users.get('olga').email == ''
    assert trail(people)[0] == ('pat@example.com', 'login', 'ok', None, 'proxy header, from 10.2.2.2')
    people.store.users.update('olga', disabled=True)
    with pytest.raises(LoginRefused, match='disabled'):
        await people.login_header('olga', '10.2.2.2', 'viewer')
    assert trail(people)[-1] == ('olga', 'login', 'denied', None, 'account disabled, from 10.2.2.2')
    with pytest.raises(LoginRefused, match='did not name a person'):
        await people.login_header('  ', '10.2.2.2', 'viewer')


# -- managing people ------------------------------------------------------------------------------------------------

async def test_admins_add_people_with_a_checked_password(people):
    user = await people.add_local(ADA, ' Neo ', STRONG, 'viewer', display_name='Neo', email='neo@example.com')
    assert (user.username, user.role, user.display_name, user.email, user.auth_source) == (
        'neo', 'viewer', 'Neo', 'neo@example.com', 'local')
    assert verify_password(STRONG, people.store.users.get('neo').password_hash)
    assert trail(people) == [('ada', 'add person', 'ok', 'neo', 'role viewer')]
    assert (await people.add_local(ADA, 'tom', STRONG, 'member')).display_name == 'tom'


@pytest.mark.parametrize(('name', 'password', 'role', 'message'), [
    ('', STRONG, 'member', 'A username is needed, without spaces.'),
    ('two words', STRONG, 'member', 'A username is needed, without spaces.'),
    ('neo', STRONG, 'owner', 'The role must be one of: admin, member, viewer.'),
    ('olga', STRONG, 'member', 'There is already a person called olga.'),
    ('neo', 'short', 'member', 'Use at least 10 characters.'),
])
async def test_adding_a_person_refuses_bad_input(people, name, password, role, message):
    with pytest.raises(ActionError) as refusal:
        await people.add_local(ADA, name, password, role)
    assert str(refusal.value) == message
    assert trail(people) == []


async def test_only_admins_as_they_are_now_manage_people(people):
    olga = Actor('olga', 'member')
    calls = [lambda a: people.add_local(a, 'neo', STRONG, 'member'), lambda a: people.set_role(a, 'olga', 'admin'),
             lambda a: people.set_disabled(a, 'olga', True), lambda a: people.remove(a, 'olga')]
    for call in calls:
        with pytest.raises(NotAllowed, match=r'Only admins may manage people\.'):
            await call(olga)
    people.store.users.update('ada', role='member')  # demoted while a page still holds the old actor
    for call in calls:
        with pytest.raises(NotAllowed):
            await call(ADA)
    assert trail(people) == []
    unchecked = PeopleService(people.store, recheck_admin=False)  # the command line: whoever runs it
    await unchecked.set_role(ADA, 'olga', 'viewer')
    assert people.store.users.get('olga').role == 'viewer'


async def test_roles_change_and_everyone_is_told(people):
    changed: list[str] = []
    people.changed.subscribe(changed.append)
    await people.set_role(ADA, 'olga', 'admin')
    await people.set_disabled(ADA, 'olga', True)
    await people.set_disabled(ADA, 'olga', False)
    assert people.store.users.get('olga').role == 'admin' and not people.store.users.get('olga').disabled
    assert trail(people) == [('ada', 'role change', 'ok', 'olga', 'member → admin'),
                             ('ada', 'disable person', 'ok', 'olga', ''),
                             ('ada', 'enable person', 'ok', 'olga', '')]
    with pytest.raises(ActionError, match='The role must be one of'):
        await people.set_role(ADA, 'olga', 'root')
    with pytest.raises(ActionError, match=r'There is no person called nobody\.'):
        await people.set_role(ADA, 'nobody', 'member')
    await people.remove(ADA, 'sso')
    assert people.store.users.get('sso') is None and trail(people)[-1] == ('ada', 'remove person', 'ok', 'sso', '')
    assert changed == ['olga', 'olga', 'olga', 'sso']


async def test_the_last_enabled_admin_stays(people):
    for call in (lambda: people.set_role(ADA, 'ada', 'member'), lambda: people.set_disabled(ADA, 'ada', True),
                 lambda: people.remove(ADA, 'ada')):
        with pytest.raises(ActionError, match='last enabled admin'):
            await call()
    people.store.users.add(User(username='bea', role='admin', disabled=True))
    with pytest.raises(ActionError, match='last enabled admin'):
        await people.set_role(ADA, 'ada', 'member')  # a disabled admin does not count
    people.store.users.update('bea', disabled=False)
    await people.set_role(ADA, 'ada', 'member')
    assert people.store.users.get('ada').role == 'member'
    await people.set_disabled(Actor('bea', 'admin'), 'olga', True)  # not an admin: no check needed


async def test_passwords_are_set_by_their_owner_or_an_admin(people):
    olga = Actor('olga', 'member')
    await people.set_password(olga, 'olga', STRONG)
    assert verify_password(STRONG, people.store.users.get('olga').password_hash)
    assert trail(people) == [('olga', 'set password', 'ok', 'olga', '')]
    with pytest.raises(NotAllowed, match='Only admins may set another person'):
        await people.set_password(olga, 'ada', STRONG)
    with pytest.raises(ActionError, match=r'sso signs in through oidc; there is no password here\.'):
        await people.set_password(ADA, 'sso', STRONG)
    with pytest.raises(ActionError, match='must not contain the username'):
        await people.set_password(ADA, 'olga', 'olga-and-more')
    await people.set_password(ADA, 'olga', 'another-pass-7')
    assert trail(people)[-1] == ('ada', 'set password', 'ok', 'olga', '')


async def test_demo_mode_gives_an_admin_and_a_member_fresh_passwords(people):
    people.store.users.add(User(username='member', role='viewer', disabled=True, auth_source='oidc'))
    accounts = await people.seed_demo()
    assert [(name, role) for name, _, role in accounts] == [('admin', 'admin'), ('member', 'member')]
    for name, password, role in accounts:
        user = people.store.users.get(name)
        assert password.startswith('demo-') and verify_password(password, user.password_hash)
        assert (user.role, user.disabled, user.auth_source) == (role, False, 'local')
    assert people.store.users.get('admin').display_name == 'Demo admin'
    again = await people.seed_demo()
    assert again[0][1] != accounts[0][1]


# -- the exact words and edges (each found by mutation testing) -----------------------------------------------------

async def test_refusals_read_exactly_so(people):
    async def message(call) -> str:
        with pytest.raises(ActionError) as refusal:
            await call
        return str(refusal.value)
    assert await message(people.set_role(ADA, 'ada', 'member')) == \
        'This is the last enabled admin: make someone else an admin first.'
    assert await message(people.remove(Actor('olga', 'member'), 'ada')) == 'Only admins may manage people.'
    assert await message(people.set_role(ADA, 'olga', 'root')) == 'The role must be one of: admin, member, viewer.'
    assert await message(people.set_password(Actor('olga', 'member'), 'ada', STRONG)) == \
        'Only admins may set another person\'s password.'
    assert await message(people.login_header('', '10.2.2.2', 'viewer')) == 'The sign-in proxy did not name a person.'
    people.store.users.update('olga', disabled=True)
    assert await message(people.login_header('olga', '10.2.2.2', 'viewer')) == \
        'Your account is disabled. Ask an admin.'
    assert [(t[1], t[2]) for t in trail(people)] == [('login', 'denied')]


async def test_details_of_new_people(people):
    assert (await people.add_local(ADA, 'neo', STRONG, 'member')).email == ''
    with pytest.raises(ActionError, match='must not contain the username'):
        await people.add_local(ADA, 'zed', 'zed-strong-pass-1', 'member')
    await people.login_header('pat', '10.2.2.2', 'viewer')
    assert people.store.users.get('pat').email == ''
    accounts = await people.seed_demo()
    assert all(len(password) == len('demo-') + 12 for _, password, _ in accounts)  # 9 random bytes


async def test_enabling_or_keeping_the_last_admin_is_fine(people):
    await people.set_disabled(ADA, 'olga', True)
    assert people.store.users.get('olga').disabled is True
    await people.set_disabled(ADA, 'ada', False)
    await people.set_role(ADA, 'ada', 'admin')
    assert people.store.users.get('ada').role == 'admin' and not people.store.users.get('ada').disabled
