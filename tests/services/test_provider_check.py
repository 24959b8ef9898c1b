"""The schedule that asks the identity provider again about the people signed in through it (`ProviderCheck`): which
sign-ins it asks about, which it lets go or ends, and what it leaves alone when the provider cannot say. The
provider's own answers (userinfo, refresh) come from the real test provider of `test_provider_accounts.py`."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
import pytest

from aod_ui.auth._provider_check import ProviderCheck
from aod_ui.services import PeopleService
from storage import User, memory_store
from tests.oidc.claims import provider_sign_in
from tests.oidc.fixture import DEFAULT_ACCOUNTS, OidcProvider, start_oidc_provider
from tests.services.test_provider_accounts import POLICY, STRICT, trail

ISSUER = 'https://id.example'
RESTARTED = 'the dashboard restarted and cannot re-check this provider sign-in'


@pytest.fixture(scope='module')
def oidc() -> Iterator[OidcProvider]:
    with start_oidc_provider(accounts=DEFAULT_ACCOUNTS, loopback_any_port=True, control=True) as provider:
        yield provider


@pytest.fixture
def people(oidc) -> Iterator[PeopleService]:
    store = memory_store()
    yield PeopleService(store, recheck_admin=False)
    oidc.change('bob', disabled=False)  # undo what a test changed at the provider
    store.close()


@pytest.fixture
def alone() -> Iterator[PeopleService]:
    """People without a provider: the checks here never reach one."""
    store = memory_store()
    yield PeopleService(store, recheck_admin=False)
    store.close()


class Metadata:
    """The provider's discovery document as the check asks for it, counting the questions."""

    def __init__(self, answer: dict | Exception) -> None:
        self.answer, self.asked = answer, 0

    async def __call__(self) -> dict:
        self.asked += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def checker(people: PeopleService, metadata: Metadata, session_hours: float = 12, policy=POLICY,
            oidc: OidcProvider | None = None) -> ProviderCheck:
    return ProviderCheck(people, policy, client_id=oidc.client_id if oidc else 'aod-ui-test',
                         client_secret=oidc.client_secret if oidc else 'secret', metadata=metadata,
                         session_hours=session_hours)


def person(people: PeopleService, name: str, subject: str | None = None, **fields) -> None:
    identity = {'oidc_issuer': ISSUER, 'oidc_subject': subject, 'auth_source': 'oidc'} if subject else {}
    people.store.users.add(User(username=name, **identity, **fields))


def ended(people: PeopleService) -> list[tuple[str | None, str]]:
    return [(target, detail) for _, _, target, detail in trail(people, 'end sign-ins')]


def test_the_latest_id_token_is_held_for_the_sign_out(alone) -> None:
    person(alone, 'bob', 'u-bob')
    person(alone, 'olga')
    check = checker(alone, Metadata({}))
    token = {'access_token': 'a1', 'id_token': 'i1'}
    check.hold(ISSUER, 'u-bob', token)
    token['id_token'] = 'changed afterwards'
    assert check.id_token('bob') == 'i1'  # a copy is held
    check.hold(ISSUER, 'u-bob', {'access_token': 'a2', 'id_token': 'i2'})
    assert check.id_token('bob') == 'i2'
    assert check.id_token('olga') is None and check.id_token('nobody') is None
    check.drop(ISSUER, 'u-bob')
    check.drop(ISSUER, 'u-bob')  # dropping twice is harmless
    assert check.id_token('bob') is None


async def test_the_first_round_ends_provider_sign_ins_from_before_the_restart(alone) -> None:
    now = time.time()
    person(alone, 'restarted', 'u-1', last_login_at=now - 60)  # signed in before the restart: cannot be re-checked
    person(alone, 'held', 'u-2', last_login_at=now - 60)  # signed in again since: its tokens are held
    person(alone, 'ended then', 'u-8', last_login_at=now - 60, sign_ins_ended_at=now - 60)  # ended at that moment
    person(alone, 'just expired', 'u-9', last_login_at=now - 12 * 3600 - 6)  # a session is 12 hours
    person(alone, 'local', last_login_at=now - 60)  # not a provider account
    person(alone, 'never', 'u-3')  # never signed in
    person(alone, 'expired', 'u-4', last_login_at=now - 13 * 3600)  # its sign-in has run out anyway
    person(alone, 'over', 'u-5', last_login_at=now - 60, sign_ins_ended_at=now - 30)  # already ended
    metadata = Metadata(httpx.ConnectError('unreachable'))
    check = checker(alone, metadata)
    person(alone, 'later', 'u-6', last_login_at=time.time() + 1)  # signed in after the start
    person(alone, 'at the start', 'u-10', last_login_at=check._started)
    check.hold(ISSUER, 'u-2', {'access_token': 'a', 'id_token': 'i'})
    await check.round()
    assert ended(alone) == [('restarted', RESTARTED)]
    assert metadata.asked == 1  # the held one is asked about (and the provider cannot be reached: nothing changes)
    assert check.id_token('held') == 'i'
    person(alone, 'too late', 'u-7', last_login_at=now - 60)
    await check.round()  # only the first round looks for them
    assert ended(alone) == [('restarted', RESTARTED)]
    assert metadata.asked == 2


async def test_a_sign_in_older_than_a_session_is_let_go_without_asking(alone) -> None:
    person(alone, 'bob', 'u-bob', last_login_at=time.time())
    metadata = Metadata({})
    check = checker(alone, metadata, session_hours=1e-6)
    check.hold(ISSUER, 'u-bob', {'access_token': 'a', 'id_token': 'i'})
    await asyncio.sleep(0.01)
    await check.round()
    assert metadata.asked == 0 and check.id_token('bob') is None
    assert ended(alone) == []  # it is over by itself


async def test_a_sign_in_let_go_does_not_stop_the_round(alone) -> None:
    person(alone, 'old', 'u-old')
    person(alone, 'new', 'u-new')
    metadata = Metadata(httpx.ConnectError('unreachable'))
    check = checker(alone, metadata, session_hours=0.2 / 3600)
    check.hold(ISSUER, 'u-old', {'access_token': 'a', 'id_token': 'i'})
    await asyncio.sleep(0.3)
    check.hold(ISSUER, 'u-new', {'access_token': 'a', 'id_token': 'i'})
    await check.round()
    assert check.id_token('old') is None and check.id_token('new') == 'i'
    assert metadata.asked == 1


async def test_tokens_of_a_removed_account_are_let_go(alone) -> None:
    metadata = Metadata({})
    check = checker(alone, metadata)
    check.hold(ISSUER, 'u-gone', {'access_token': 'a', 'id_token': 'i'})
    await check.round()
    assert metadata.asked == 0
    person(alone, 'gone', 'u-gone')  # the same identity, signed up again: the old tokens are not its
    assert check.id_token('gone') is None


@pytest.mark.parametrize('answer', [httpx.ConnectError('unreachable'), {}, ValueError('bad document')])
async def test_a_provider_that_cannot_be_asked_changes_nothing(alone, answer, caplog) -> None:
    person(alone, 'bob', 'u-bob')
    check = checker(alone, Metadata(answer))
    check.hold(ISSUER, 'u-bob', {'access_token': 'a', 'id_token': 'i', 'expires_at': time.time() + 3600})
    with caplog.at_level(logging.WARNING, logger='aod_ui.auth._provider_check'):
        await check.round()
    assert ended(alone) == [] and check.id_token('bob') == 'i'
    assert caplog.messages == [f'identity provider not reachable to re-check bob: {type(answer).__name__}'
                               if isinstance(answer, Exception) else
                               'identity provider not reachable to re-check bob: KeyError']


@pytest.mark.parametrize('expires_in', [-1, 10])  # run out, or about to (within 30 s)
async def test_a_run_out_sign_in_without_a_refresh_token_ends(alone, expires_in) -> None:
    person(alone, 'bob', 'u-bob')
    metadata = Metadata({'userinfo_endpoint': 'http://127.0.0.1:9/userinfo', 'token_endpoint': 'x'})
    check = checker(alone, metadata)
    check.hold(ISSUER, 'u-bob', {'access_token': 'a', 'id_token': 'i', 'expires_at': time.time() + expires_in})
    await check.round()
    assert ended(alone) == [('bob', "the provider's sign-in ran out and it gave no refresh token to renew it")]
    assert check.id_token('bob') is None


async def test_a_bad_round_does_not_stop_the_schedule(alone, caplog) -> None:
    person(alone, 'bob', 'u-bob')
    metadata = Metadata(RuntimeError('a bug'))
    check = checker(alone, metadata)
    check.hold(ISSUER, 'u-bob', {'access_token': 'a'})
    with caplog.at_level(logging.ERROR, logger='aod_ui.auth._provider_check'):
        schedule = asyncio.create_task(check.run(0.01))
        for _ in range(200):
            await asyncio.sleep(0.01)
            if metadata.asked >= 3:
                break
        schedule.cancel()
        with pytest.raises(asyncio.CancelledError):
            await schedule
    assert metadata.asked >= 3
    assert 're-checking provider sign-ins failed' in caplog.messages


def _metadata(oidc: OidcProvider, **changes) -> Metadata:
    return Metadata({**oidc.metadata(), **changes})


async def test_a_sign_in_whose_token_has_time_left_is_asked_about_with_it(people, oidc) -> None:
    token, claims = await provider_sign_in(oidc, 'bob')
    await people.login_oidc(claims, STRICT, claims['iss'])
    check = checker(people, _metadata(oidc), policy=STRICT, oidc=oidc)
    for expires_at in (time.time() + 60, 'soon', None):  # not a time: used as it is
        check.hold(oidc.issuer, 'u-bob', {**token, 'expires_at': expires_at, 'refresh_token': 'forged'})
        await check.round()
        assert check.id_token('bob@example.com') == token['id_token']
    assert ended(people) == []


async def test_answers_that_say_nothing_change_nothing(people, oidc, caplog) -> None:
    token, claims = await provider_sign_in(oidc, 'bob')
    await people.login_oidc(claims, STRICT, claims['iss'])
    check = checker(people, _metadata(oidc, userinfo_endpoint=f'{oidc.issuer}/no-such-endpoint'), policy=STRICT,
                    oidc=oidc)
    check.hold(oidc.issuer, 'u-bob', token)
    with caplog.at_level(logging.WARNING, logger='aod_ui.auth._provider_check'):
        await check.round()
    assert ended(people) == [] and check.id_token('bob@example.com') == token['id_token']
    assert caplog.messages == ['identity provider answered HTTP 404 to re-check bob@example.com']


async def test_an_answer_about_another_identity_ends_the_sign_in(people, oidc) -> None:
    token, claims = await provider_sign_in(oidc, 'bob')
    await people.login_oidc(claims, STRICT, claims['iss'])
    # the discovery document is JSON too, but names nobody
    check = checker(people, _metadata(oidc, userinfo_endpoint=oidc.discovery_url), policy=STRICT, oidc=oidc)
    check.hold(oidc.issuer, 'u-bob', token)
    await check.round()
    assert ended(people) == [('bob@example.com', 'the provider answered for another identity')]
    assert check.id_token('bob@example.com') is None


async def test_refusals_at_the_provider_say_why_the_sign_in_ended(people, oidc) -> None:
    token, claims = await provider_sign_in(oidc, 'bob', scope='openid email profile groups offline_access')
    await people.login_oidc(claims, STRICT, claims['iss'])
    check = checker(people, _metadata(oidc), policy=STRICT, oidc=oidc)
    check.hold(oidc.issuer, 'u-bob', {**token, 'expires_at': int(time.time()) - 1, 'refresh_token': 'forged'})
    await check.round()
    assert check.id_token('bob@example.com') is None  # let go
    check.hold(oidc.issuer, 'u-bob', token)
    oidc.change('bob', disabled=True)
    await check.round()
    assert ended(people) == [('bob@example.com', 'the provider refused to renew the sign-in (invalid_grant)'),
                             ('bob@example.com', 'the provider refused the access token (HTTP 401)')]
    assert check.id_token('bob@example.com') is None


async def test_a_renewed_sign_in_keeps_its_refresh_and_id_tokens(people, oidc) -> None:
    token, claims = await provider_sign_in(oidc, 'bob', scope='openid email profile groups offline_access')
    await people.login_oidc(claims, STRICT, claims['iss'])
    check = checker(people, _metadata(oidc), policy=STRICT, oidc=oidc)
    check.hold(oidc.issuer, 'u-bob', {**token, 'expires_at': int(time.time()) - 1, 'id_token': 'the first'})
    await check.round()
    assert ended(people) == []
    assert check.id_token('bob@example.com') not in (None, 'the first')  # the renewed sign-in's own


class Provider(ThreadingHTTPServer):
    """A provider of our own on loopback, for answers the test provider never gives: a renewal without a new refresh
    or ID token, and userinfo answers that are not claims."""

    def __init__(self) -> None:
        super().__init__(('127.0.0.1', 0), _Answers)
        self.url = f'http://127.0.0.1:{self.server_address[1]}'
        self.userinfo: bytes = b''
        self.status = 200
        self.refreshed: list[str] = []
        self.bearers: list[str] = []


class _Answers(BaseHTTPRequestHandler):
    server: Provider

    def do_POST(self) -> None:  # the token endpoint: a renewal that names only the new access token
        form = parse_qs(self.rfile.read(int(self.headers['Content-Length'])).decode())
        self.server.refreshed += form.get('refresh_token', [])
        self._answer(json.dumps({'access_token': 'renewed', 'token_type': 'Bearer', 'expires_in': 1}).encode())

    def do_GET(self) -> None:  # userinfo
        self.server.bearers.append(self.headers.get('Authorization', ''))
        self._answer(self.server.userinfo, self.server.status)

    def _answer(self, body: bytes, status: int = 200) -> None:
        self.send_response(status)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = Provider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def our_metadata(provider: Provider) -> Metadata:
    return Metadata({'token_endpoint': f'{provider.url}/token', 'userinfo_endpoint': f'{provider.url}/userinfo'})


BOB = {'sub': 'u-bob', 'email': 'bob@example.com', 'email_verified': True, 'name': 'Bob', 'groups': ['developers']}


async def test_a_renewal_without_new_refresh_or_id_tokens_keeps_the_old_ones(alone, provider) -> None:
    person(alone, 'bob@example.com', 'u-bob')
    provider.userinfo = json.dumps(BOB).encode()
    check = checker(alone, our_metadata(provider))
    check.hold(ISSUER, 'u-bob', {'access_token': 'old', 'refresh_token': 'r1', 'id_token': 'i1',
                                 'expires_at': time.time() - 1})
    await check.round()
    assert check.id_token('bob@example.com') == 'i1'
    await check.round()  # the renewed access token runs out within 30 s: renewed again, with the same refresh token
    assert provider.refreshed == ['r1', 'r1']
    assert provider.bearers == ['Bearer renewed'] * 2
    assert ended(alone) == [] and check.id_token('bob@example.com') == 'i1'


async def test_a_userinfo_answer_that_is_not_claims(alone, provider, caplog) -> None:
    person(alone, 'bob@example.com', 'u-bob')
    check = checker(alone, our_metadata(provider))
    token = {'access_token': 'a', 'id_token': 'i', 'expires_at': time.time() + 3600}
    provider.userinfo = b'<html>not JSON</html>'
    check.hold(ISSUER, 'u-bob', token)
    with caplog.at_level(logging.WARNING, logger='aod_ui.auth._provider_check'):
        await check.round()
    assert caplog.messages == ['identity provider sent an unreadable userinfo answer for bob@example.com']
    assert check.id_token('bob@example.com') == 'i'  # asked again next round
    provider.userinfo = b'["not", "an", "object"]'
    await check.round()
    assert check.id_token('bob@example.com') is None  # let go
    assert ended(alone) == []


@pytest.mark.parametrize('status', [400, 401, 403])
async def test_a_refused_access_token_ends_the_sign_in(alone, provider, status) -> None:
    person(alone, 'bob@example.com', 'u-bob')
    provider.status, provider.userinfo = status, b'{"error": "invalid_token"}'
    check = checker(alone, our_metadata(provider))
    check.hold(ISSUER, 'u-bob', {'access_token': 'a', 'id_token': 'i', 'expires_at': time.time() + 3600})
    await check.round()
    assert ended(alone) == [('bob@example.com', f'the provider refused the access token (HTTP {status})')]
    assert check.id_token('bob@example.com') is None
