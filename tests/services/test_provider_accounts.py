"""Provider accounts through the people service, with the claims of a real OpenID Connect provider (oidc-provider
on loopback, whose accounts and claims the tests change): bound to issuer and subject, never opening a local
account, re-judged at every sign-in and on the schedule, linked only by an admin."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from aod_ui.auth._provider_check import ProviderCheck
from aod_ui.errors import ActionError, NotAllowed
from aod_ui.services import Actor, LoginRefused, OidcPolicy, PeopleService
from aod_ui.services._passwords import hash_password
from storage import User, memory_store
from tests.oidc.claims import id_token_claims, provider_sign_in
from tests.oidc.fixture import DEFAULT_ACCOUNTS, OidcAccount, OidcProvider, start_oidc_provider

POLICY = OidcPolicy(admin_values=('aod-admins',), member_values=('developers',), default_role='member')
STRICT = OidcPolicy(allowed_domains=('example.com',), admin_values=('aod-admins',), member_values=('developers',),
                    default_role='none')
CLI = Actor('cli', 'admin')

ACCOUNTS = (*DEFAULT_ACCOUNTS,
            # provider identities whose names are those of local admins
            OidcAccount('m-name', 'secret-m1', 'u-m1', 'm1@evil.org', 'M One', ('developers',), email_verified=False,
                        preferred_username='admin'),
            OidcAccount('m-mail', 'secret-m2', 'u-m2', 'ops@example.com', 'M Two', ('developers',)),
            OidcAccount('m-sub', 'secret-m3', 'root', 'm3@evil.org', 'M Three', ('developers',), email_verified=False,
                        preferred_username=None),
            # a second identity carrying alice's address
            OidcAccount('alice2', 'secret-a2', 'u-alice-2', 'alice@example.com', 'Alice Two', ('developers',)),
            # addresses that must not pass an allow-list
            OidcAccount('absent', 'secret-ab', 'u-absent', 'absent@example.com', 'Absent', ('developers',),
                        email_verified=None),
            OidcAccount('stringy', 'secret-st', 'u-stringy', 'stringy@example.com', 'Stringy', ('developers',),
                        email_verified='false'),
            OidcAccount('twoat', 'secret-tw', 'u-twoat', 'twoat@evil.org@example.com', 'Two At', ('developers',)),
            # an address longer than a name is shown in the audit trail (64), outside the allow-list
            OidcAccount('long', 'secret-lo', 'u-long', 'a' * 60 + '@example.org', 'Long Address', ('developers',)),
            # nothing in the claims is usable as a name: no verified address or preferred_username, a long subject
            OidcAccount('nameless', 'secret-na', 's' * 100, 'nameless@evil.org', 'Nameless', ('developers',),
                        email_verified=False, preferred_username=None))


@pytest.fixture(scope='module')
def oidc() -> Iterator[OidcProvider]:
    with start_oidc_provider(accounts=ACCOUNTS, loopback_any_port=True, control=True) as provider:
        yield provider


@pytest.fixture
def people(oidc) -> Iterator[PeopleService]:
    store = memory_store()
    yield PeopleService(store, recheck_admin=False)
    for account in ACCOUNTS:  # undo what a test changed at the provider
        oidc.change(account.username, groups=list(account.groups), email=account.email,
                    email_verified=account.email_verified, name=account.name,
                    preferred_username=account.claims.get('preferred_username'), disabled=False)
    store.close()


def local(people: PeopleService, name: str, role: str = 'admin') -> None:
    people.store.users.add(User(username=name, role=role, password_hash=hash_password('a-long-local-password-1'),  # type: ignore[arg-type]
                                auth_source='local', email=name if '@' in name else ''))


async def sign_in(people: PeopleService, oidc: OidcProvider, login: str, policy: OidcPolicy = POLICY) -> Actor:
    claims = await id_token_claims(oidc, login)
    return await people.login_oidc(claims, policy, claims['iss'])


def audit_details(people: PeopleService, action: str) -> list[str]:
    return [f'{e.actor} {e.outcome} {e.detail}' for e in people.store.audit.query(action=action)]


def trail(people: PeopleService, action: str) -> list[tuple[str, str, str | None, str]]:
    """The audit entries of one action, oldest first: (actor, outcome, target, detail)."""
    return [(e.actor, e.outcome, e.target, e.detail) for e in reversed(people.store.audit.query(action=action))]


def who(oidc: OidcProvider, subject: str) -> str:
    return f'issuer {oidc.issuer}, subject {subject}'


def heard(people: PeopleService) -> list[str]:
    """The names `changed` announces from now on."""
    seen: list[str] = []
    people.changed.subscribe(seen.append, unsubscribe_on_delete=False)
    return seen


async def test_provider_identities_never_open_local_accounts(people, oidc) -> None:
    for name in ('admin', 'ops@example.com', 'root'):
        local(people, name)
    for login, name in (('m-name', 'admin'), ('m-mail', 'ops@example.com'), ('m-sub', 'root')):
        with pytest.raises(LoginRefused, match=f'already an account called {name}'):
            await sign_in(people, oidc, login)
    for name in ('admin', 'ops@example.com', 'root'):
        user = people.store.users.get(name)
        assert (user.role, user.auth_source, user.identity) == ('admin', 'local', None)
    clashes = audit_details(people, 'login')
    for subject in ('u-m1', 'u-m2', 'root'):
        assert any('name clash' in line and f'subject {subject}' in line and oidc.issuer in line for line in clashes)


async def test_an_account_belongs_to_its_issuer_and_subject_not_its_email(people, oidc) -> None:
    alice = await sign_in(people, oidc, 'alice')
    assert (alice.username, alice.role) == ('alice@example.com', 'admin')
    assert people.store.users.get(alice.username).identity == (oidc.issuer, 'u-alice')
    with pytest.raises(LoginRefused, match=r'already an account called alice@example\.com'):
        await sign_in(people, oidc, 'alice2')
    assert people.store.users.get('alice@example.com').role == 'admin'
    logins = audit_details(people, 'login')
    assert any(line.startswith('alice@example.com ok') and 'subject u-alice' in line for line in logins)
    assert any('denied' in line and 'subject u-alice-2' in line for line in logins)
    # the address is an attribute: a new one at the provider changes it, not who the account is
    oidc.change('alice', email='alice@elsewhere.example')
    again = await sign_in(people, oidc, 'alice')
    assert again.username == 'alice@example.com'
    assert people.store.users.get('alice@example.com').email == 'alice@elsewhere.example'


async def test_unverified_addresses_name_nothing_and_are_not_kept(people, oidc) -> None:
    carol = await sign_in(people, oidc, 'carol')  # email_verified false: named by preferred_username
    assert carol.username == 'carol'
    assert people.store.users.get('carol').email == ''


@pytest.mark.parametrize('login', ['absent', 'stringy', 'twoat', 'carol', 'eve'])
async def test_the_allow_list_takes_only_verified_addresses_of_its_domains(people, oidc, login) -> None:
    with pytest.raises(LoginRefused, match='not allowed here'):
        await sign_in(people, oidc, login, STRICT)
    assert people.store.users.count() == 0
    assert (await sign_in(people, oidc, 'bob', STRICT)).role == 'member'


async def test_a_refused_sign_in_ends_open_sign_ins_and_lowers_the_role(people, oidc) -> None:
    local(people, 'root')  # another admin, so alice's role may fall
    seen: list[str] = []
    people.changed.subscribe(seen.append, unsubscribe_on_delete=False)
    alice = await sign_in(people, oidc, 'alice', STRICT)
    opened = time.time()
    assert people.actor(alice.username, opened) == alice
    oidc.change('alice', groups=[])
    with pytest.raises(LoginRefused, match='no role'):
        await sign_in(people, oidc, 'alice', STRICT)
    assert people.actor(alice.username, opened) is None  # the browser that was signed in is out
    assert people.store.users.get(alice.username).role == 'viewer'
    assert alice.username in seen
    assert any('refused by the identity provider' in line for line in audit_details(people, 'end sign-ins'))


async def test_the_last_admin_stays_admin_but_is_signed_out_when_the_provider_demotes(people, oidc) -> None:
    alice = await sign_in(people, oidc, 'alice')
    opened = time.time()
    oidc.change('alice', groups=['developers'])
    with pytest.raises(LoginRefused, match='last admin'):
        await sign_in(people, oidc, 'alice')
    assert people.store.users.get(alice.username).role == 'admin'  # the dashboard keeps an admin
    assert people.actor(alice.username, opened) is None  # but she is not signed in as one anywhere
    oidc.change('alice', groups=[])
    with pytest.raises(LoginRefused):
        await sign_in(people, oidc, 'alice', STRICT)
    assert people.store.users.get(alice.username).role == 'admin'
    assert people.actor(alice.username, opened) is None
    # once someone else is admin, the provider's word holds
    local(people, 'root')
    oidc.change('alice', groups=['developers'])
    assert (await sign_in(people, oidc, 'alice')).role == 'member'


async def test_an_admin_links_a_local_account_to_an_identity(people, oidc) -> None:
    local(people, 'olga', 'member')
    local(people, 'ada', 'admin')
    oidc.change('bob', email_verified=False)  # named by preferred_username
    local(people, 'bob')
    with pytest.raises(LoginRefused, match=r'main\.py users link bob u-bob'):
        await sign_in(people, oidc, 'bob')  # bob's preferred_username is taken by a local account: refused
    with pytest.raises(NotAllowed):
        await people.link(Actor('olga', 'member'), 'olga', oidc.issuer, 'u-bob')
    await people.link(Actor('ada', 'admin'), 'olga', oidc.issuer, 'u-bob')
    bob = await sign_in(people, oidc, 'bob')
    assert bob.username == 'olga' and bob.role == 'member'
    with pytest.raises(LoginRefused, match='Wrong username or password'):
        await people.login_local('olga', 'a-long-local-password-1', '127.0.0.1')  # the password no longer works
    with pytest.raises(ActionError, match='already linked to olga'):
        await people.link(Actor('ada', 'admin'), 'ada', oidc.issuer, 'u-bob')
    links = audit_details(people, 'link identity')
    assert any(line.startswith('ada ok') and 'subject u-bob' in line for line in links)
    assert any(line.startswith('ada denied') for line in links)


async def test_the_schedule_follows_userinfo_and_ends_sign_ins_the_provider_drops(people, oidc) -> None:
    local(people, 'root')
    token, claims = await provider_sign_in(oidc, 'bob')
    bob = await people.login_oidc(claims, STRICT, claims['iss'])
    opened = time.time()
    check = ProviderCheck(people, STRICT, client_id=oidc.client_id, client_secret=oidc.client_secret,
                          metadata=_metadata(oidc), session_hours=12)
    check.hold(oidc.issuer, 'u-bob', token)
    await check.round()
    assert people.actor(bob.username, opened).role == 'member'
    oidc.change('bob', groups=['aod-admins'])
    await check.round()
    assert people.actor(bob.username, opened).role == 'admin'
    oidc.change('bob', groups=['developers'])
    await check.round()
    assert people.actor(bob.username, opened).role == 'member'
    oidc.change('bob', groups=[])
    await check.round()
    assert people.actor(bob.username, opened) is None  # refused by the policy: out, and the role lowered
    assert people.store.users.get(bob.username).role == 'viewer'


async def test_the_schedule_ends_the_sign_ins_of_an_account_the_provider_disabled(people, oidc) -> None:
    token, claims = await provider_sign_in(oidc, 'bob')
    bob = await people.login_oidc(claims, STRICT, claims['iss'])
    opened = time.time()
    check = ProviderCheck(people, STRICT, client_id=oidc.client_id, client_secret=oidc.client_secret,
                          metadata=_metadata(oidc), session_hours=12)
    check.hold(oidc.issuer, 'u-bob', token)
    oidc.change('bob', disabled=True)
    await check.round()
    assert people.actor(bob.username, opened) is None
    assert any('refused the access token' in line for line in audit_details(people, 'end sign-ins'))
    oidc.change('bob', disabled=False)
    again = await people.login_oidc(await id_token_claims(oidc, 'bob'), STRICT, oidc.issuer)
    assert (again.username, again.role) == ('bob@example.com', 'member')


async def test_the_schedule_renews_with_the_refresh_token_and_stops_when_it_is_refused(people, oidc) -> None:
    token, claims = await provider_sign_in(oidc, 'bob', scope='openid email profile groups offline_access')
    assert token.get('refresh_token')
    bob = await people.login_oidc(claims, STRICT, claims['iss'])
    opened = time.time()
    check = ProviderCheck(people, STRICT, client_id=oidc.client_id, client_secret=oidc.client_secret,
                          metadata=_metadata(oidc), session_hours=12)
    check.hold(oidc.issuer, 'u-bob', {**token, 'expires_at': int(time.time()) - 1})  # the access token ran out
    oidc.change('bob', groups=['aod-admins'])
    await check.round()
    assert people.actor(bob.username, opened).role == 'admin'  # renewed, then asked
    check.hold(oidc.issuer, 'u-bob', {**token, 'expires_at': int(time.time()) - 1, 'refresh_token': 'forged'})
    await check.round()
    assert people.actor(bob.username, opened) is None


async def test_sign_ins_from_before_a_restart_end_at_the_first_round(people, oidc) -> None:
    bob = await sign_in(people, oidc, 'bob')
    opened = time.time()
    check = ProviderCheck(people, POLICY, client_id=oidc.client_id, client_secret=oidc.client_secret,
                          metadata=_metadata(oidc), session_hours=12)  # a new process: no tokens held
    check._started = time.time() + 1
    await check.round()
    assert people.actor(bob.username, opened) is None


def _metadata(oidc: OidcProvider):
    document = oidc.metadata()

    async def metadata() -> dict:
        return document
    return metadata


async def test_a_first_sign_in_opens_an_account_from_the_claims(people, oidc) -> None:
    seen = heard(people)
    bob = await sign_in(people, oidc, 'bob')
    assert bob == Actor('bob@example.com', 'member', 'Bob Developer')
    user = people.store.users.get('bob@example.com')
    assert (user.display_name, user.email, user.role, user.auth_source, user.identity) == \
        ('Bob Developer', 'bob@example.com', 'member', 'oidc', (oidc.issuer, 'u-bob'))
    assert trail(people, 'add person') == [('system', 'ok', 'bob@example.com',
                                            f'role member, first sign-in; {who(oidc, "u-bob")}')]
    assert trail(people, 'login') == [('bob@example.com', 'ok', None, f'OpenID Connect, {who(oidc, "u-bob")}')]
    assert trail(people, 'role change') == [] and seen == []


@pytest.mark.parametrize(('claims', 'shown'), [
    ({'name': 'Robert Developer'}, 'Robert Developer'),
    ({'name': '  Robert  '}, 'Robert'),
    ({'name': 'N' * 250}, 'N' * 200),
    ({'name': None}, 'bob'),  # else the preferred_username
    ({'name': None, 'preferred_username': ' Bobby '}, 'Bobby'),
    ({'name': None, 'preferred_username': None}, 'bob@example.com'),  # else the account's name
    ({'name': '   '}, 'bob@example.com'),
])
async def test_the_display_name_follows_the_provider_at_each_sign_in(people, oidc, claims, shown) -> None:
    await sign_in(people, oidc, 'bob')
    seen = heard(people)
    oidc.change('bob', **claims)
    again = await sign_in(people, oidc, 'bob')
    assert (again.username, again.display_name) == ('bob@example.com', shown)
    assert people.store.users.get('bob@example.com').display_name == shown
    assert seen == []  # only a new role makes open pages look again
    if claims.get('name', '') is None:  # a new account is named the same way
        people.store.users.remove('bob@example.com')
        assert (await sign_in(people, oidc, 'bob')).display_name == shown


@pytest.mark.parametrize('subject', ['', 123, None, 's' * 256])
async def test_a_sign_in_needs_the_subject_of_an_issuer(people, oidc, subject) -> None:
    claims = {**await id_token_claims(oidc, 'bob'), 'sub': subject}
    if subject is None:
        del claims['sub']
    with pytest.raises(LoginRefused, match=r'^The identity provider did not say who you are \(no subject\)\.$'):
        await people.login_oidc(claims, POLICY, oidc.issuer)
    assert people.store.users.count() == 0
    assert trail(people, 'login') == [('(oidc)', 'denied', None, f'no usable subject from issuer {oidc.issuer}')]


async def test_a_sign_in_needs_an_issuer_and_takes_the_longest_subject(people, oidc) -> None:
    claims = await id_token_claims(oidc, 'bob')
    with pytest.raises(LoginRefused, match='did not say who you are'):
        await people.login_oidc(claims, POLICY, '')
    issuer = 'https://' + 'i' * 300
    with pytest.raises(LoginRefused):
        await people.login_oidc({**claims, 'sub': ''}, POLICY, issuer)
    assert trail(people, 'login')[-1][3] == f'no usable subject from issuer {issuer[:200]}'
    longest = 's' * 255
    bob = await people.login_oidc({**claims, 'sub': longest}, POLICY, oidc.issuer)
    assert people.store.users.get(bob.username).identity == (oidc.issuer, longest)


async def test_refused_newcomers_are_audited_under_the_name_they_would_have(people, oidc) -> None:
    for login in ('eve', 'long', 'nameless'):
        with pytest.raises(LoginRefused, match='not allowed here'):
            await sign_in(people, oidc, login, STRICT)
    long = 'a' * 60 + '@example.org'
    assert trail(people, 'login') == [
        ('eve@other.org', 'denied', None, f'email domain not allowed: other.org; {who(oidc, "u-eve")}'),
        (long[:64], 'denied', None, f'email domain not allowed: example.org; {who(oidc, "u-long")}'),
        ('(oidc)', 'denied', None, f'unverified or missing address; {who(oidc, "s" * 100)}')]
    assert people.store.users.count() == 0


async def test_a_newcomer_without_a_usable_name_is_refused(people, oidc) -> None:
    with pytest.raises(LoginRefused, match=r'^The identity provider sent no name this dashboard can use for you\. '
                                           r'Ask an admin\.$'):
        await sign_in(people, oidc, 'nameless')
    assert people.store.users.count() == 0
    assert trail(people, 'login') == [('(oidc)', 'denied', None,
                                       f'no usable name in the claims; {who(oidc, "s" * 100)}')]


async def test_name_clashes_say_whose_the_name_is(people, oidc) -> None:
    local(people, 'admin')
    await sign_in(people, oidc, 'alice')
    with pytest.raises(LoginRefused, match=r'^There is already an account called admin on this dashboard, and it is '
                                           r'not linked to your identity provider account\. Ask an admin to link '
                                           r'them \(People page, or `main\.py users link admin u-m1`\)\.$'):
        await sign_in(people, oidc, 'm-name')
    with pytest.raises(LoginRefused, match=r'alice@example\.com'):
        await sign_in(people, oidc, 'alice2')
    assert [entry for entry in trail(people, 'login') if entry[1] == 'denied'] == [
        ('admin', 'denied', None, f'name clash: admin is a local account; {who(oidc, "u-m1")}'),
        ('alice@example.com', 'denied', None,
         f'name clash: alice@example.com is bound to {who(oidc, "u-alice")}; {who(oidc, "u-alice-2")}')]


async def test_one_identity_signing_in_twice_at_once_gets_one_account(people, oidc) -> None:
    claims = await id_token_claims(oidc, 'bob')
    first, second = await asyncio.gather(people.login_oidc(claims, POLICY, oidc.issuer),
                                         people.login_oidc(claims, POLICY, oidc.issuer))
    assert first == second == Actor('bob@example.com', 'member', 'Bob Developer')
    assert people.store.users.count() == 1
    assert len(trail(people, 'add person')) == 1


async def test_two_identities_racing_for_one_name_get_one_account(people, oidc) -> None:
    claims = {login: await id_token_claims(oidc, login) for login in ('alice', 'alice2')}
    answers = await asyncio.gather(*(people.login_oidc(c, POLICY, oidc.issuer) for c in claims.values()),
                                   return_exceptions=True)
    refused = [a for a in answers if isinstance(a, LoginRefused)]
    assert len(refused) == 1 and 'already an account called alice@example.com' in str(refused[0])
    winner = people.store.users.get('alice@example.com').identity[1]
    loser = 'u-alice-2' if winner == 'u-alice' else 'u-alice'
    assert [entry for entry in trail(people, 'login') if entry[1] == 'denied'] == [(
        'alice@example.com', 'denied', None,
        f'name clash: alice@example.com is bound to {who(oidc, winner)}; {who(oidc, loser)}')]


async def test_a_disabled_account_is_refused(people, oidc) -> None:
    await sign_in(people, oidc, 'bob')
    people.store.users.update('bob@example.com', disabled=True)
    with pytest.raises(LoginRefused, match=r'^Your account is disabled\. Ask an admin\.$'):
        await sign_in(people, oidc, 'bob')
    assert trail(people, 'login')[-1] == ('bob@example.com', 'denied', None, f'account disabled; {who(oidc, "u-bob")}')


async def test_the_role_follows_the_provider_and_each_change_is_audited(people, oidc) -> None:
    local(people, 'root')
    await sign_in(people, oidc, 'bob')
    seen = heard(people)
    oidc.change('bob', groups=['aod-admins'])
    assert (await sign_in(people, oidc, 'bob')).role == 'admin'
    assert seen == ['bob@example.com']  # open pages look again at once
    assert trail(people, 'role change') == [
        ('system', 'ok', 'bob@example.com', f'member → admin from the identity provider; {who(oidc, "u-bob")}')]


async def test_a_refusal_lowers_the_role_once_and_says_so(people, oidc) -> None:
    await sign_in(people, oidc, 'bob', STRICT)
    oidc.change('bob', groups=[])
    seen = heard(people)
    for _ in range(2):
        with pytest.raises(LoginRefused, match='no role'):
            await sign_in(people, oidc, 'bob', STRICT)
    assert people.store.users.get('bob@example.com').role == 'viewer'
    assert seen == ['bob@example.com'] * 2
    refused = 'refused by the identity provider: no role for the groups claimed'
    assert trail(people, 'end sign-ins') == [('system', 'ok', 'bob@example.com', f'{refused}, role member → viewer'),
                                             ('system', 'ok', 'bob@example.com', refused)]  # a viewer already
    assert trail(people, 'login')[-1] == ('bob@example.com', 'denied', None,
                                          f'no role for the groups claimed; {who(oidc, "u-bob")}')


async def test_the_last_admin_refused_keeps_the_role_and_the_trail_says_why(people, oidc) -> None:
    await sign_in(people, oidc, 'alice')
    oidc.change('alice', groups=['developers'])
    with pytest.raises(LoginRefused, match=r"^The identity provider no longer makes you an admin, and you are the "
                                           r"dashboard's last admin\."):
        await sign_in(people, oidc, 'alice')
    last = f'last admin, provider says member; {who(oidc, "u-alice")}'
    assert trail(people, 'role change') == [
        ('system', 'denied', 'alice@example.com',
         f'admin → member would leave no enabled admin; {who(oidc, "u-alice")}')]
    assert trail(people, 'login')[-1] == ('alice@example.com', 'denied', None, last)
    assert trail(people, 'end sign-ins') == [('system', 'ok', 'alice@example.com', last)]
    oidc.change('alice', groups=[])
    with pytest.raises(LoginRefused, match='no role'):
        await sign_in(people, oidc, 'alice', STRICT)
    assert trail(people, 'end sign-ins')[-1] == ('system', 'ok', 'alice@example.com',
                                                 'refused by the identity provider: no role for the groups claimed')


async def test_the_providers_later_word_keeps_lowers_or_ends_a_sign_in(people, oidc) -> None:
    local(people, 'root')
    await sign_in(people, oidc, 'bob')
    opened = time.time()
    seen = heard(people)
    claims = await id_token_claims(oidc, 'bob')
    assert await people.recheck_oidc('bob@example.com', claims, POLICY, oidc.issuer) == \
        Actor('bob@example.com', 'member', 'Bob Developer')
    oidc.change('bob', groups=['aod-admins'], name='Bob Admin')
    assert await people.recheck_oidc('bob@example.com', await id_token_claims(oidc, 'bob'), POLICY, oidc.issuer) == \
        Actor('bob@example.com', 'admin', 'Bob Admin')
    assert trail(people, 'role change')[-1] == ('system', 'ok', 'bob@example.com',
                                                f'member → admin from the identity provider; {who(oidc, "u-bob")}')
    assert people.actor('bob@example.com', opened).role == 'admin'
    assert seen == ['bob@example.com']
    # an answer about someone else ends the sign-ins
    alice = await id_token_claims(oidc, 'alice')
    assert await people.recheck_oidc('bob@example.com', alice, POLICY, oidc.issuer) is None
    assert people.actor('bob@example.com', opened) is None
    assert trail(people, 'end sign-ins') == [('system', 'ok', 'bob@example.com',
                                              'the provider answered for another identity')]
    assert seen == ['bob@example.com'] * 2
    # a refusal lowers the role
    oidc.change('bob', groups=[])
    assert await people.recheck_oidc('bob@example.com', await id_token_claims(oidc, 'bob'), STRICT,
                                     oidc.issuer) is None
    assert people.store.users.get('bob@example.com').role == 'viewer'
    assert trail(people, 'end sign-ins')[-1] == ('system', 'ok', 'bob@example.com', 'refused by the identity '
                                                 'provider: no role for the groups claimed, role admin → viewer')


async def test_the_providers_later_word_on_the_last_admin_ends_the_sign_in(people, oidc) -> None:
    await sign_in(people, oidc, 'alice')
    opened = time.time()
    oidc.change('alice', groups=['developers'])
    claims = await id_token_claims(oidc, 'alice')
    assert await people.recheck_oidc('alice@example.com', claims, POLICY, oidc.issuer) is None
    assert people.store.users.get('alice@example.com').role == 'admin'
    assert people.actor('alice@example.com', opened) is None
    assert trail(people, 'end sign-ins') == [('system', 'ok', 'alice@example.com',
                                              f'last admin, provider says member; {who(oidc, "u-alice")}')]


async def test_the_providers_later_word_on_a_disabled_or_removed_account_changes_nothing(people, oidc) -> None:
    await sign_in(people, oidc, 'bob')
    claims = await id_token_claims(oidc, 'bob')
    people.store.users.update('bob@example.com', disabled=True)
    assert await people.recheck_oidc('bob@example.com', claims, POLICY, oidc.issuer) is None
    assert await people.recheck_oidc('nobody', claims, POLICY, oidc.issuer) is None
    assert trail(people, 'end sign-ins') == []
    await people.end_sign_ins('nobody', 'no such person')  # nobody to sign out
    assert trail(people, 'end sign-ins') == []


@pytest.mark.parametrize(('issuer', 'subject'), [('', 'u-x'), ('  ', 'u-x'), ('ISSUER', ''), ('ISSUER', '  '),
                                                 ('ISSUER', 's' * 256)])
async def test_a_link_needs_an_issuer_and_a_subject(people, oidc, issuer, subject) -> None:
    local(people, 'olga', 'member')
    with pytest.raises(ActionError, match=r"^Give the provider's issuer and the person's subject \(at most 255 "
                                          r"characters\)\.$"):
        await people.link(CLI, 'olga', issuer.replace('ISSUER', oidc.issuer), subject)
    assert people.store.users.get('olga').identity is None


async def test_a_link_binds_the_account_and_ends_its_sign_ins(people, oidc) -> None:
    local(people, 'olga', 'member')
    opened = time.time()
    seen = heard(people)
    linked = await people.link(CLI, 'olga', f' {oidc.issuer} ', ' u-bob ')
    assert (linked.identity, linked.auth_source, linked.password_hash) == ((oidc.issuer, 'u-bob'), 'oidc', '')
    assert people.store.users.get('olga') == linked
    assert people.actor('olga', opened) is None
    assert seen == ['olga']
    long_issuer, longest = 'https://' + 'i' * 300, 's' * 255
    await people.link(CLI, 'olga', long_issuer, longest)
    local(people, 'ada')
    with pytest.raises(ActionError, match='already linked to olga'):
        await people.link(CLI, 'ada', long_issuer, longest)
    assert trail(people, 'link identity') == [
        ('cli', 'ok', 'olga', f'{who(oidc, "u-bob")} (was local account)'),
        ('cli', 'ok', 'olga', f'issuer {long_issuer[:200]}, subject {longest} (was {who(oidc, "u-bob")})'),
        ('cli', 'denied', 'ada', f'already linked to olga; issuer {long_issuer[:200]}, subject {longest}')]


async def test_an_account_from_before_identities_is_bound_by_its_verified_address(people, oidc) -> None:
    people.store.users.add(User(username='bob@example.com', email=' Bob@Example.com ', role='viewer',
                                auth_source='oidc'))
    bob = await sign_in(people, oidc, 'bob')
    assert (bob.username, bob.role) == ('bob@example.com', 'member')
    assert people.store.users.get('bob@example.com').identity == (oidc.issuer, 'u-bob')
    assert trail(people, 'link identity') == [('system', 'ok', 'bob@example.com', f'{who(oidc, "u-bob")} (an account '
                                                                                   'from before identities were kept, '
                                                                                   'same verified address)')]
    assert trail(people, 'role change') == [
        ('system', 'ok', 'bob@example.com', f'viewer → member from the identity provider; {who(oidc, "u-bob")}')]


@pytest.mark.parametrize(('account', 'login'), [
    (User(username='bob@example.com', email='bob@elsewhere.example', auth_source='oidc'), 'bob'),  # another address
    (User(username='bob@example.com', email='bob@example.com', auth_source='local'), 'bob'),  # a password account
    (User(username='carol', email='carol', auth_source='oidc'), 'carol'),  # no verified address
])
async def test_only_a_provider_account_with_the_same_verified_address_is_bound_by_it(people, oidc, account,
                                                                                       login) -> None:
    people.store.users.add(account)
    with pytest.raises(LoginRefused, match='already an account called'):
        await sign_in(people, oidc, login)
    assert people.store.users.get(account.username).identity is None
    assert trail(people, 'link identity') == []


async def test_a_refused_identity_is_audited_under_the_account_it_is_linked_to(people, oidc) -> None:
    local(people, 'olga', 'member')
    await people.link(CLI, 'olga', oidc.issuer, 'u-bob')
    oidc.change('bob', groups=[])
    with pytest.raises(LoginRefused, match='no role'):
        await sign_in(people, oidc, 'bob', STRICT)
    assert trail(people, 'login') == [('olga', 'denied', None,
                                       f'no role for the groups claimed; {who(oidc, "u-bob")}')]
    assert people.store.users.get('olga').role == 'viewer'
