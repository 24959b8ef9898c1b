"""The adapter's error mapping, with `httpx.MockTransport` standing in for AoD's answers (the simulator tests cover
the same calls over real HTTP)."""

import logging
import time

import httpx
import pytest

from aod_ui.errors import UpstreamError
from aod_ui.upstream import Upstream, public_url

TOKEN = 'aod_test_secret_token_value_123456'


def upstream_answering(status: int, body: object | None = None, *, exc: Exception | None = None) -> Upstream:
    def handler(request: httpx.Request) -> httpx.Response:
        if exc is not None:
            raise exc
        return httpx.Response(status, json=body)
    return Upstream('http://aod.test', TOKEN, transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(('status', 'body', 'kind', 'says'), [
    (401, {'detail': 'Invalid token'}, 'auth', 'AOD_API_TOKEN'),
    (404, {'detail': 'Session not found'}, 'not_found', 'Session not found'),
    (409, {'detail': 'Session is already running'}, 'conflict', 'Session is already running'),
    (422, {'detail': [{'loc': ['body', 'timeout'], 'msg': 'Input should be greater than or equal to 10'}]},
     'invalid', 'timeout: Input should be greater'),
    (429, {'detail': 'Concurrent session limit reached (3/3).', 'limit': 3, 'active': 3}, 'rate_limited',
     '3 of 3 sessions are active'),
    (503, {'detail': 'Backend not configured'}, 'server', 'Backend not configured'),
    (400, {'detail': 'Invalid JSON'}, 'invalid', 'Invalid JSON'),
])
async def test_http_errors_become_readable(status, body, kind, says):
    upstream = upstream_answering(status, body)
    with pytest.raises(UpstreamError) as caught:
        await upstream.list_sessions()
    assert caught.value.kind == kind
    assert says in str(caught.value)
    assert TOKEN not in str(caught.value)
    if kind == 'rate_limited':
        assert (caught.value.limit, caught.value.active) == (3, 3)
        assert upstream.status.known_limit == 3


async def test_connection_failure_and_timeout():
    upstream = upstream_answering(0, exc=httpx.ConnectError('refused'))
    with pytest.raises(UpstreamError, match='AoD unreachable') as caught:
        await upstream.list_sessions()
    assert caught.value.kind == 'unreachable'
    assert upstream.status.reachable is False
    upstream = upstream_answering(0, exc=httpx.ReadTimeout('slow'))
    with pytest.raises(UpstreamError, match='did not answer in time') as caught:
        await upstream.get_session('x')
    assert caught.value.kind == 'timeout'


async def test_unexpected_body_is_a_protocol_error():
    upstream = upstream_answering(200, {'items': []})
    with pytest.raises(UpstreamError) as caught:
        await upstream.list_sessions()
    assert caught.value.kind == 'protocol'


async def test_token_echoed_by_a_server_is_scrubbed():
    upstream = upstream_answering(500, {'detail': f'bad header Bearer {TOKEN}'})
    with pytest.raises(UpstreamError) as caught:
        await upstream.list_sessions()
    assert str(caught.value) == ('AoD failed to list sessions (500: bad header Bearer [token]). Try again in a '
                                 'moment; if it keeps failing, check the AoD server.')
    assert all(TOKEN not in message for _, _, message in upstream.recent_errors)


async def test_both_payload_shapes_are_read():
    session = {'id': 's1', 'status': 'running', 'created_at': '2026-11-28T10:00:00Z',
               'updated_at': '2026-11-28T10:01:00Z', 'turn_count': 1, 'resources': []}
    for shape in ({'provider': 'anthropic'}, {'runtime': 'claude-code'}):
        upstream = upstream_answering(200, {'data': [{**session, **shape}]})
        [info] = await upstream.list_sessions()
        assert info.runtime_family == next(iter(shape.values()))
        assert info.created_at is not None and info.created_at.tzinfo is not None


def test_public_url_hides_credentials():
    assert public_url('https://user:pw@aod.example:8443/api') == 'https://aod.example:8443/api'


@pytest.mark.parametrize(('status', 'body', 'says'), [
    (400, {'detail': ''}, 'AoD rejected the request to list sessions: 400.'),
    (400, {'error': 'bad shape'}, "AoD rejected the request to list sessions: {'error': 'bad shape'}."),
    (400, {'detail': {'detail': 'Nested reason'}}, 'AoD rejected the request to list sessions: Nested reason.'),
    (422, {'detail': [{'msg': 'Body is not JSON'}, 'plain words']},
     'AoD rejected the request to list sessions: Body is not JSON; plain words.'),
    (500, {'detail': ''}, 'AoD failed to list sessions (500). Try again in a moment; if it keeps failing, check the '
                          'AoD server.'),
    (429, {'detail': 'Too many sessions', 'limit': 3},
     'AoD is at its concurrent session limit: Too many sessions'),
    (404, {}, 'Not found in AoD.'),
    (409, {'detail': ''}, 'AoD refused: the session is not in a state that allows this.'),
])
async def test_unusual_error_bodies_still_read_as_sentences(status, body, says):
    upstream = upstream_answering(status, body)
    with pytest.raises(UpstreamError) as caught:
        await upstream.list_sessions()
    assert caught.value.message == says and str(caught.value) == says
    assert caught.value.status == status


async def test_a_known_limit_is_kept_when_a_refusal_does_not_repeat_it():
    answers = [httpx.Response(429, json={'detail': 'Concurrent session limit reached (3/3).', 'limit': 3,
                                         'active': 3}),
               httpx.Response(429, json={'detail': 'Full'})]
    upstream = Upstream('http://aod.test', TOKEN, transport=httpx.MockTransport(lambda request: answers.pop(0)))
    with pytest.raises(UpstreamError):
        await upstream.list_sessions()
    with pytest.raises(UpstreamError) as caught:
        await upstream.list_sessions()
    assert (caught.value.limit, caught.value.active) == (None, None)
    assert upstream.status.known_limit == 3


@pytest.mark.parametrize('body', [[], {'data': {'id': 's1'}}, {'data': [{'status': 'running'}]}])
async def test_an_answer_of_another_shape_names_what_was_asked(body):
    upstream = upstream_answering(200, body)
    with pytest.raises(UpstreamError) as caught:
        await upstream.list_sessions()
    assert caught.value.kind == 'protocol'
    assert caught.value.message.startswith('AoD sent an answer the dashboard does not understand while trying to '
                                           'list sessions (')
    assert 'NoneType' not in caught.value.message
    assert upstream.status.reachable is None  # an odd answer says nothing about whether AoD is up
    assert upstream.status.last_error_kind == 'protocol'


async def test_an_error_is_recorded_with_its_time_and_logged(caplog):
    upstream = upstream_answering(503, {'detail': 'Backend not configured'})
    before = time.time()
    with caplog.at_level(logging.WARNING, logger='aod_ui.upstream._client'), pytest.raises(UpstreamError) as caught:
        await upstream.get_session('s1')
    [(at, kind, message)] = upstream.recent_errors
    assert before <= at <= time.time() and upstream.status.last_error_at == at
    assert (kind, message) == ('server', caught.value.message)
    assert upstream.status.reachable is True  # AoD answered, with a failure
    assert [record.getMessage() for record in caplog.records] == [f'AoD call failed (get session): {message}']


def test_public_url_keeps_an_address_without_a_host():
    assert public_url('file:///run/aod.sock') == 'file:///run/aod.sock'
    assert public_url('http://aod.example/') == 'http://aod.example/'
