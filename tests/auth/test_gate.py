"""The gate in front of every request: whose forwarded headers count, which Host and Origin are answered, and the
headers every answer carries. Requests go through the real middleware to a small app that echoes what it saw."""

from __future__ import annotations

import json

import httpx
import pytest

from aod_ui.auth import Gate
from aod_ui.auth._gate import resolve_client
from aod_ui.settings import Settings

PROXIES = ['10.0.0.0/24', '192.0.2.1']


async def echo(scope, receive, send) -> None:
    if scope['type'] == 'websocket':
        await send({'type': 'websocket.accept'})
        return
    body = json.dumps({'client': scope['client'][0], 'scheme': scope['scheme']}).encode()
    await send({'type': 'http.response.start', 'status': 200, 'headers': [(b'content-type', b'application/json')]})
    await send({'type': 'http.response.body', 'body': body})


def gate(**settings) -> Gate:
    return Gate(echo, Settings(**{'trusted_proxies': tuple(PROXIES), **settings}))


async def seen(app: Gate, peer: str, headers: dict[str, str], host: str = '127.0.0.1') -> httpx.Response:
    transport = httpx.ASGITransport(app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=f'http://{host}') as client:
        return await client.get('/', headers=headers)


@pytest.mark.parametrize(('peer', 'forwarded', 'client'), [
    ('127.0.0.1', '10.0.0.5', '127.0.0.1'),  # loopback is not a proxy unless configured: its header is ignored
    ('203.0.113.9', '198.51.100.4', '203.0.113.9'),
    ('10.0.0.5', '198.51.100.4', '198.51.100.4'),
    ('10.0.0.5', '1.2.3.4, 198.51.100.4', '198.51.100.4'),  # what the client wrote itself stays to the left
    ('10.0.0.5', '198.51.100.4, 192.0.2.1', '198.51.100.4'),  # two proxies in a row
    ('10.0.0.5', 'garbage, 10.0.0.7', '10.0.0.7'),
    ('10.0.0.5', '', '10.0.0.5'),
    ('10.0.0.5', '[2001:db8::1]:443', '2001:db8::1'),
])
def test_the_client_is_the_nearest_address_no_trusted_proxy_vouches_for(peer, forwarded, client):
    networks = [__import__('ipaddress').ip_network(p) for p in PROXIES]
    assert resolve_client(networks, peer, [forwarded] if forwarded else []) == client


async def test_forwarded_headers_count_only_from_a_trusted_proxy():
    forged = await seen(gate(), '127.0.0.1', {'X-Forwarded-For': '10.0.0.9', 'X-Forwarded-Proto': 'https'})
    assert forged.json() == {'client': '127.0.0.1', 'scheme': 'http'}
    proxied = await seen(gate(), '10.0.0.3', {'X-Forwarded-For': '198.51.100.4', 'X-Forwarded-Proto': 'https'})
    assert proxied.json() == {'client': '198.51.100.4', 'scheme': 'https'}


async def test_every_answer_carries_the_security_headers():
    response = await seen(gate(), '127.0.0.1', {})
    assert response.headers['x-frame-options'] == 'DENY'
    policy = response.headers['content-security-policy']
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy and "connect-src 'self'" in policy
    assert response.headers['x-content-type-options'] == 'nosniff'


@pytest.mark.parametrize(('host', 'origin', 'status'), [
    ('127.0.0.1:8080', None, 200),
    ('localhost:8080', 'http://localhost:8080', 200),
    ('[::1]:8080', 'http://[::1]:8080', 200),
    ('evil.example:8080', None, 403),  # DNS rebinding: evil.example now resolves to 127.0.0.1
    ('127.0.0.1:8080', 'http://evil.example:8080', 403),
    ('127.0.0.1:8080', 'null', 403),
])
async def test_without_sign_in_only_loopback_names_are_answered(host, origin, status):
    headers = {'Host': host, **({'Origin': origin} if origin else {})}
    response = await seen(gate(auth='none'), '127.0.0.1', headers)
    assert response.status_code == status


async def test_with_sign_in_any_host_is_answered():
    assert (await seen(gate(auth='local'), '127.0.0.1', {'Host': 'dash.example.com'})).status_code == 200


async def websocket(app: Gate, headers: dict[str, str]) -> list[dict]:
    scope = {'type': 'websocket', 'path': '/_nicegui_ws/socket.io/', 'client': ('203.0.113.9', 1), 'scheme': 'ws',
             'headers': [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    sent: list[dict] = []

    async def receive() -> dict:
        return {'type': 'websocket.connect'}

    async def send(message: dict) -> None:
        sent.append(message)
    await app(scope, receive, send)
    return sent


async def test_websockets_from_other_sites_are_refused():
    app = gate(auth='local', public_url='https://dash.example.com')
    assert (await websocket(app, {'host': 'dash.example.com', 'origin': 'https://dash.example.com'}))[0] == \
        {'type': 'websocket.accept'}
    assert (await websocket(app, {'host': '10.1.1.1:8080', 'origin': 'https://dash.example.com'}))[0] == \
        {'type': 'websocket.accept'}
    assert (await websocket(app, {'host': 'dash.example.com', 'origin': 'https://evil.example'}))[0] == \
        {'type': 'websocket.close', 'code': 1008}
