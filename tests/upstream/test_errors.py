"""The adapter's error mapping, with `httpx.MockTransport` standing in for AoD's answers (the simulator tests cover
the same calls over real HTTP)."""

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
    assert TOKEN not in str(caught.value)
    assert '[token]' in str(caught.value)
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
