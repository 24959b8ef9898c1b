"""What every request passes before any page: the client behind trusted proxies, Host and Origin checks, and the
browser's security headers.

uvicorn's own reading of `X-Forwarded-For` is switched off (`proxy_headers=False` in `app.run_arguments`): it trusts
loopback by default, so anything on the same machine could claim any address. Here forwarded headers count only
when the request comes straight from an address in `AOD_UI_TRUSTED_PROXIES`, and the client is the nearest address
in `X-Forwarded-For` that is not itself a trusted proxy. Everything else (the header sign-in, the per-address limit
on password guesses, the audit trail) reads that resolved address.
"""

from __future__ import annotations

import ipaddress
import logging
import time
import weakref
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from nicegui import Client
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..settings import Settings

__all__ = ['CONTENT_SECURITY_POLICY', 'Gate', 'client_address', 'install_socket_guard', 'trusted_proxy']

PEER = 'aod.peer'
"""The scope key holding the address the connection really came from (the proxy, when there is one)."""
LOOPBACK_NAMES = frozenset({'localhost', '127.0.0.1', '::1'})
CONTENT_SECURITY_POLICY = '; '.join((
    "default-src 'self'",
    # NiceGUI's page template starts the app with an inline script, Vue compiles the element templates in the
    # browser and `run_javascript` evaluates code: without these the pages do not run at all
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",  # Tailwind's in-page compiler and Quasar write style elements
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",  # the page's own websocket and downloads; nothing else
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = (
    (b'content-security-policy', CONTENT_SECURITY_POLICY.encode()),
    (b'x-frame-options', b'DENY'),
    (b'x-content-type-options', b'nosniff'),
    (b'referrer-policy', b'same-origin'),
)
MAX_HOPS = 30
log = logging.getLogger('aod_ui.browser')


def _networks(settings: Settings) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(proxy, strict=False) for proxy in settings.trusted_proxies]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith('[') and ']' in text:
        text = text[1:text.index(']')]  # [v6]:port
    elif text.count(':') == 1:
        text = text.partition(':')[0]  # v4:port
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(networks: Iterable[Any], address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    return address is not None and any(address in network for network in networks)


def resolve_client(networks: list[Any], peer: str, forwarded_for: list[str]) -> str:
    """The client's address: the peer itself unless it is a trusted proxy; then, walking `X-Forwarded-For` from
    its right end, the first address that is not a trusted proxy. A malformed entry stops the walk at the last
    address a trusted proxy vouched for."""
    if not _trusted(networks, _address(peer)):
        return peer
    client = peer
    hops = [hop for value in forwarded_for for hop in value.split(',') if hop.strip()][-MAX_HOPS:]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return client
        client = str(address)
        if not _trusted(networks, address):
            return client
    return client


def trusted_proxy(settings: Settings, scope: Scope) -> bool:
    """Whether the connection comes straight from one of the configured proxies."""
    peer = scope.get(PEER) or (scope.get('client') or ('',))[0]
    return _trusted(_networks(settings), _address(peer))


def client_address(scope: Scope) -> str:
    """The resolved client address of a request or websocket."""
    client = scope.get('client')
    return client[0] if client else ''


def _own_page_only(sio: Any, stock: Any) -> Any:
    def handler(sid: str, msg: Any) -> Any:
        if isinstance(msg, dict) and str(msg.get('client_id')) in sio.rooms(sid):
            return stock(sid, msg)
        return None
    return handler


def _hostname(value: str) -> str:
    return (urlsplit(value if '//' in value else f'//{value}').hostname or '').lower()


class Gate:
    """ASGI middleware in front of the whole app (pages, websockets, downloads, health)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.networks = _networks(settings)
        self.public_host = _hostname(settings.public_url) if settings.public_url else ''
        self._last_logged = -1e9

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] not in {'http', 'websocket'}:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        peer = (scope.get('client') or ('', 0))[0]
        scope[PEER] = peer
        if _trusted(self.networks, _address(peer)):
            client = resolve_client(self.networks, peer, headers.getlist('x-forwarded-for'))
            scope['client'] = (client, 0)
            proto = headers.get('x-forwarded-proto', '').rpartition(',')[2].strip().lower()
            if proto in {'http', 'https'}:
                scope['scheme'] = proto if scope['type'] == 'http' else {'http': 'ws', 'https': 'wss'}[proto]
        refusal = self.refusal(scope, headers)
        if refusal:
            now = time.monotonic()
            if now - self._last_logged > 10:  # whoever sends these may send many: one line per ten seconds
                self._last_logged = now
                log.warning('refused %s %r from %s: %s', scope['type'], scope.get('path', '')[:200],
                            client_address(scope), refusal)
            if scope['type'] == 'websocket':
                await send({'type': 'websocket.close', 'code': 1008})
            else:
                await send({'type': 'http.response.start', 'status': 403,
                            'headers': [(b'content-type', b'text/plain; charset=utf-8'), *SECURITY_HEADERS]})
                await send({'type': 'http.response.body', 'body': f'{refusal}\n'.encode()})
            return
        if scope['type'] == 'websocket':
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message['type'] == 'http.response.start':
                present = {name.lower() for name, _ in message.get('headers', [])}
                message['headers'] = [*message.get('headers', []),
                                      *(header for header in SECURITY_HEADERS if header[0] not in present)]
            await send(message)
        await self.app(scope, receive, send_with_headers)

    def refusal(self, scope: Scope, headers: Headers) -> str:
        """Why a request must not reach the app, or '' when it may."""
        origin = headers.get('origin')
        if self.settings.auth == 'none':
            # no sign-in: a page on another site whose name now points at this machine (DNS rebinding) must not
            # reach the one admin's dashboard, so only loopback names are answered
            if _hostname(headers.get('host', '')) not in LOOPBACK_NAMES:
                return 'This dashboard answers only to localhost, 127.0.0.1 or [::1].'
            if origin is not None and _hostname(origin) not in LOOPBACK_NAMES:
                return 'Requests from other sites are refused.'
        unsafe = scope['type'] == 'websocket' or scope.get('method', 'GET') not in {'GET', 'HEAD', 'OPTIONS'}
        if unsafe and origin is not None:
            allowed = {_hostname(headers.get('host', '')), self.public_host} - {''}
            if _hostname(origin) not in allowed:
                return 'Requests from other sites are refused.'
        return ''


def install_socket_guard(sio: Any, *, per_page: int = 20, length: int = 500) -> None:
    """Replace NiceGUI's `log` socket event, through which any page (signed in or not) can write to the server's
    log: each page gets `per_page` lines of at most `length` printable characters, on a socket of its own.

    NiceGUI's other socket events (`event`, `javascript_response`, `ack`) name the page they are for by its id and
    are taken from any socket; here each socket may speak only for the page it connected for, so a page id that
    leaked (a log, a shared screen) is worth nothing to another connection."""
    handlers = sio.handlers['/']
    for name in ('event', 'javascript_response', 'ack'):
        stock = handlers.get(name)
        if stock is not None:
            sio.on(name, _own_page_only(sio, stock))
    budgets: weakref.WeakKeyDictionary[Client, int] = weakref.WeakKeyDictionary()
    levels = {'debug': logging.DEBUG, 'info': logging.INFO, 'warning': logging.WARNING, 'error': logging.ERROR}

    def on_log(sid: str, msg: Any) -> None:
        if not isinstance(msg, dict) or msg.get('level') not in levels:
            return
        client = Client.instances.get(str(msg.get('client_id')))
        if client is None or client.id not in sio.rooms(sid):
            return
        spent = budgets.get(client, 0)
        if spent >= per_page:
            return
        budgets[client] = spent + 1
        text = ''.join(c if c.isprintable() else ' ' for c in str(msg.get('message', ''))[:length])
        log.log(levels[msg['level']], 'page %s: %s', client.id[:8], text)
    sio.on('log', on_log)
