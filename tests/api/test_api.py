"""The HTTP API over real HTTP, against the simulator: tokens, errors, limits, the session actions, and the audit."""

from __future__ import annotations

import asyncio
import json
import logging
import re

import httpx

from aod_ui.services import TokenBucket
from storage import User

from ..helpers import DASHBOARD_TOKEN
from .support import follow, rows, types, wait_status


def error_of(response) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {'error'} and set(body['error']) == {'code', 'message'}, body
    return response.status_code, body['error']['code'], body['error']['message']


async def test_only_a_token_in_the_header_authenticates(api):
    async with api.client() as anonymous:
        status, code, message = error_of(await anonymous.get('/sessions'))
        assert (status, code) == (401, 'unauthorized') and 'Authorization' in message
        # a browser's cookies are not a way in, whatever they hold
        anonymous.cookies.set('session', 'anything')
        assert (await anonymous.get('/sessions')).status_code == 401
        answer = await anonymous.get('/sessions', headers={'Authorization': 'Basic b2xnYTpwdw=='})
        assert answer.status_code == 401 and answer.headers['WWW-Authenticate'] == 'Bearer'
        status, code, _ = error_of(await anonymous.get('/sessions', headers={'Authorization': 'Bearer aod_x'}))
        assert (status, code) == (401, 'unauthorized')
        status, code, message = error_of(await anonymous.get('/sessions', params={'token': api.tokens['olga']}))
        assert (status, code) == (400, 'token_in_address') and 'Authorization header' in message
    async with api.of('olga') as olga:
        answer = await olga.get('/sessions')
        assert answer.status_code == 200 and answer.json()['data'] == []
        assert (await olga.get('/me')).json()['username'] == 'olga'


async def test_tokens_never_reach_a_log(api, caplog):
    async with api.of('olga') as olga:
        await olga.get('/sessions')
        await olga.get('/sessions', params={'access_token': api.tokens['olga']})
        await olga.get(f'/nowhere/{api.tokens["olga"]}')
    # every record but the test's own HTTP client's (which logs the addresses it was given)
    logged = [record.getMessage() for record in caplog.records if record.name != 'httpx']
    assert any('GET /api/v1/sessions' in line for line in logged)  # the access log is on and was read
    assert any('aodui_pat_(hidden)' in line for line in logged)
    assert not any(token in line for line in logged for token in api.tokens.values())


async def test_a_session_through_the_api_with_the_audit_naming_the_token(api, simulator):
    async with api.of('olga') as olga:
        answer = await olga.post('/sessions', json={'agent': 'codex-refactor', 'prompt': 'Tidy up\nscenario: success'})
        assert answer.status_code == 201, answer.text
        session_id = answer.json()['id']
        assert answer.headers['Location'] == f'/api/v1/sessions/{session_id}'
        received = await follow(olga, session_id)
        assert types(received)[0] == 'start' and types(received)[-1] == 'exit'
        assert rows(received) == sorted(set(rows(received))) and rows(received)
        assert all(cursor == event['id'] for cursor, event in received if event['type'] in {'output', 'stage'})
        detail = (await olga.get(f'/sessions/{session_id}')).json()
        assert detail['owner'] == 'olga' and detail['title'] == 'Tidy up' and detail['may_act']
        await wait_status(olga, session_id, 'completed')
        status, code, _ = error_of(await olga.post(f'/sessions/{session_id}/follow-up', json={'prompt': '  '}))
        assert (status, code) == (409, 'conflict')
        answer = await olga.post(f'/sessions/{session_id}/follow-up', json={'prompt': 'again\nscenario: success'})
        assert answer.status_code == 202 and answer.json()['turn'] == 2
        second = await follow(olga, session_id, last=received[-1][1]['id'])
        assert second and 'exit' in types(second) and set(rows(second)).isdisjoint(rows(received))
        status, code, message = error_of(await olga.post('/sessions', json={'agent': 'no-such-agent',
                                                                             'prompt': 'hello'}))
        assert (status, code) == (422, 'unknown_agent') and 'GET /api/v1/agents' in message
        agents = (await olga.get('/agents')).json()
        assert 'codex-refactor' in {a['name'] for a in agents}
        transcript = await olga.get(f'/sessions/{session_id}/transcript', params={'format': 'txt'})
        assert transcript.status_code == 200 and 'again' in transcript.text
        await wait_status(olga, session_id, 'completed')
        jsonl = await olga.get(f'/sessions/{session_id}/transcript')
        assert jsonl.headers['content-type'].startswith('application/x-ndjson')
        assert jsonl.headers['X-Transcript-Complete'] == 'true'  # from the archive, whole
        exported = [json.loads(line) for line in jsonl.text.splitlines() if line.strip()]
        assert [e['id'] for e in exported if e.get('type') in {'stage', 'output'}] == rows(received) + rows(second)
        assert (await olga.post(f'/sessions/{session_id}/stop')).json()['status'] == 'terminated'
        assert (await olga.delete(f'/sessions/{session_id}')).status_code == 204
    async with httpx.AsyncClient(base_url=simulator.url, headers={'Authorization': f'Bearer {DASHBOARD_TOKEN}'}) as aod:
        assert (await aod.get(f'/sessions/{session_id}')).status_code == 404  # gone from AoD (the archive keeps it)
    entries = api.system.store.audit.query(actor='olga', session_id=session_id)
    assert {e.action for e in entries} >= {'launch', 'follow-up', 'stop', 'delete'}
    assert all('[via api token ci (aodui_pat_' in e.detail for e in entries)


async def test_list_has_the_list_pages_filters_and_a_cursor(api):
    async with api.of('olga') as olga, api.of('max') as max_:
        made = []
        for index in range(5):
            client = olga if index % 2 == 0 else max_
            answer = await client.post('/sessions', json={'agent': 'codex-refactor',
                                                          'prompt': f'batch-{index}\nscenario: success',
                                                          'labels': ['nightly'] if index < 2 else []})
            made.append(answer.json()['id'])
        seen, cursor = [], ''
        while True:
            page = (await olga.get('/sessions', params={'limit': 2, 'cursor': cursor})).json()
            assert page['total'] == 5 and len(page['data']) <= 2
            seen += [s['id'] for s in page['data']]
            cursor = page['next_cursor']
            if cursor is None:
                break
        assert sorted(seen) == sorted(made) and len(seen) == 5
        mine = (await olga.get('/sessions', params={'scope': 'mine'})).json()['data']
        assert {s['id'] for s in mine} == set(made[0::2])
        labelled = (await olga.get('/sessions', params={'q': 'NIGHTLY'})).json()['data']
        assert {s['id'] for s in labelled} == set(made[:2])
        by_person = (await olga.get('/sessions', params={'person': 'max'})).json()['data']
        assert {s['id'] for s in by_person} == set(made[1::2])
        status, code, _ = error_of(await olga.get('/sessions', params={'cursor': 'not-a-cursor'}))
        assert (status, code) == (422, 'invalid_cursor')
        status, code, _ = error_of(await olga.get('/sessions', params={'status': 'sleeping'}))
        assert (status, code) == (422, 'invalid_request')


async def test_scopes_limit_what_a_token_may_do(api):
    reader = await api.token('olga', scopes=('read',), name='dashboards')
    async with api.client(reader) as client:
        assert (await client.get('/sessions')).status_code == 200
        status, code, message = error_of(await client.post('/sessions', json={'agent': 'codex-refactor',
                                                                              'prompt': 'scenario: success'}))
        assert (status, code) == (403, 'insufficient_scope') and 'launch scope' in message
    assert not api.system.store.audit.query(actor='olga', action='launch')


async def test_a_token_acts_with_its_persons_current_role_and_stops_when_they_are_disabled(api):
    admin = api.system.people.actor('ada')
    async with api.of('olga') as olga:
        session_id = (await olga.post('/sessions', json={'agent': 'codex-refactor',
                                                         'prompt': 'scenario: long'})).json()['id']
        await api.system.people.set_role(admin, 'olga', 'viewer')
        status, code, message = error_of(await olga.post('/sessions', json={'agent': 'codex-refactor',
                                                                             'prompt': 'scenario: success'}))
        assert (status, code) == (403, 'forbidden')
        assert message == 'Your role may watch sessions but not start them. Ask an admin for the member role.'
        following = asyncio.create_task(follow(olga, session_id, timeout=20))
        await asyncio.sleep(1.0)
        assert not following.done()
        await api.system.people.set_disabled(admin, 'olga', True)
        received = await asyncio.wait_for(following, 5)  # at once, not at the next heartbeat
        assert received[-1][1]['type'] == 'dashboard' and received[-1][1]['code'] == 'access_ended'
        status, code, message = error_of(await olga.get('/sessions'))
        assert (status, code) == (401, 'unauthorized') and 'disabled' in message
    async with api.of('ada') as ada:
        await ada.post(f'/sessions/{session_id}/stop')


async def test_a_revoked_token_stops_at_once_even_mid_stream(api):
    secret = await api.token('max', name='laptop')
    async with api.client(secret) as client:
        session_id = (await client.post('/sessions', json={'agent': 'codex-refactor',
                                                           'prompt': 'scenario: long'})).json()['id']
        following = asyncio.create_task(follow(client, session_id, timeout=20))
        await asyncio.sleep(1.0)
        token = next(t for t in api.system.api_tokens.mine(api.system.people.actor('max')) if t.name == 'laptop')
        await api.system.api_tokens.revoke(api.system.people.actor('ada'), token.id)  # an admin revokes it
        received = await asyncio.wait_for(following, 5)
        assert received[-1][1]['code'] == 'access_ended' and 'revoked' in received[-1][1]['message']
        status, code, message = error_of(await client.get('/sessions'))
        assert (status, code) == (401, 'unauthorized') and 'revoked' in message
    async with api.of('max') as max_:
        await max_.post(f'/sessions/{session_id}/stop')


async def test_each_token_is_rate_limited_with_retry_after(api):
    now = [1000.0]
    api.system.api_tokens.limiter = TokenBucket(3, clock=lambda: now[0])
    async with api.of('olga') as olga, api.of('max') as max_:
        for _ in range(3):
            assert (await olga.get('/sessions')).status_code == 200
        answer = await olga.get('/sessions')
        assert error_of(answer)[:2] == (429, 'rate_limited') and answer.headers['Retry-After'] == '20'
        assert (await max_.get('/sessions')).status_code == 200  # per token, not for everyone
        now[0] += 19.0
        assert (await olga.get('/sessions')).status_code == 429
        now[0] += 1.0
        assert (await olga.get('/sessions')).status_code == 200


async def test_expired_tokens_and_the_last_use_shown(api):
    secret = await api.token('olga', name='short', days=1)
    tokens = api.system.api_tokens
    async with api.client(secret) as client:
        assert (await client.get('/sessions')).status_code == 200
        token = next(t for t in tokens.mine(api.system.people.actor('olga')) if t.name == 'short')
        assert token.last_used_at is not None
        real = tokens.clock
        tokens.clock = lambda: real() + 86400 + 1
        status, code, message = error_of(await client.get('/sessions'))
        assert (status, code) == (401, 'unauthorized') and 'expired' in message


async def test_docs_and_schema_are_served(api):
    async with api.client() as anonymous:
        schema = (await anonymous.get('/../openapi.json')).json()
        assert '/v1/sessions/{session_id}/events' in schema['paths']
        assert schema['components']['securitySchemes']['token']['scheme'] == 'bearer'
        docs = await anonymous.get('/../docs')
        assert docs.status_code == 200 and '/api/openapi.json' in docs.text
        assets = re.findall(r'''(?:src|href)=["']([^"']+)["']''', docs.text)
        assert assets and all(a.startswith('/api/docs-assets/') for a in assets)  # nothing from elsewhere
        for asset in assets:
            assert (await anonymous.get(f'{api.url}/../..{asset}')).status_code == 200
        status, code, _ = error_of(await anonymous.post('/sessions', json={'agent': 'no-such-agent',
                                                                                  'prompt': 'hello'}))
        assert (status, code) == (401, 'unauthorized')
        status, code, _ = error_of(await anonymous.get('/nothing-here'))
        assert (status, code) == (404, 'no_such_endpoint')


async def test_api_caller_logs_nothing_at_error_level(api, caplog):
    async with api.of('vic') as vic:
        await vic.get('/sessions/does-not-exist')
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_removed_persons_tokens_do_not_pass_to_whoever_takes_the_name(api):
    admin = api.system.people.actor('ada')
    async with api.of('max') as old:
        assert (await old.get('/sessions')).status_code == 200
        await api.system.people.remove(admin, 'max')
        assert error_of(await old.get('/sessions'))[:2] == (401, 'unauthorized')
        await asyncio.sleep(0.01)
        api.system.store.users.add(User(username='max', role='member'))  # someone else, under the same name
        assert error_of(await old.get('/sessions'))[:2] == (401, 'unauthorized')
    async with api.client(await api.token('max')) as new:
        assert (await new.get('/sessions')).status_code == 200


def test_the_dashboards_own_log_lines_hide_tokens_too():
    import io

    from aod_ui.api._auth import install_redaction
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install_redaction()
        secret = 'aodui_pat_' + 'x' * 43
        logging.getLogger('aod_ui.browser').warning('refused %s', f'/api/v1/nowhere/{secret}')
        logging.getLogger('aod_ui.browser').warning(f'refused /api/v1/{secret}?a=1')
    finally:
        root.removeHandler(handler)
    assert secret not in out.getvalue() and out.getvalue().count('aodui_pat_(hidden)') == 2


async def test_a_transcript_that_is_not_the_whole_session_says_so(api):
    api.system.sessions.export_wait = 0.5
    async with api.of('olga') as olga:
        session_id = (await olga.post('/sessions', json={'agent': 'codex-refactor',
                                                         'prompt': 'scenario: long'})).json()['id']
        answer = await olga.get(f'/sessions/{session_id}/transcript', params={'format': 'txt'})
        assert answer.status_code == 200 and answer.headers['X-Transcript-Complete'] == 'false'
        assert answer.headers['X-Transcript-Note']
        await olga.post(f'/sessions/{session_id}/stop')
