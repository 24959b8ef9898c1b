"""Provider accounts through the people service, with the claims of a real OpenID Connect provider (oidc-provider
on loopback, whose accounts and claims the tests change): bound to issuer and subject, never opening a local
account, re-judged at every sign-in and on the schedule, linked only by an admin."""

from __future__ import annotations

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
            OidcAccount('twoat', 'secret-tw', 'u-twoat', 'twoat@evil.org@example.com', 'Two At', ('developers',)))


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
                    email_verified=account.email_verified, disabled=False)
    store.close()


def local(people: PeopleService, name: str, role: str = 'admin') -> None:
    people.store.users.add(User(username=name, role=role, password_hash=hash_password('a-long-local-password-1'),  # type: ignore[arg-type]
                                auth_source='local', email=name if '@' in name else ''))


async def sign_in(people: PeopleService, oidc: OidcProvider, login: str, policy: OidcPolicy = POLICY) -> Actor:
    claims = await id_token_claims(oidc, login)
    return await people.login_oidc(claims, policy, claims['iss'])


def audit_details(people: PeopleService, action: str) -> list[str]:
    return [f'{e.actor} {e.outcome} {e.detail}' for e in people.store.audit.query(action=action)]


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
