"""The one place the dashboard talks to AoD.

`Upstream` wraps one `aod.AsyncClient` for the application's lifetime and closes the SDK's known gaps:
- `sessions.list()`, `sessions.get()` and `agents.*` of aod-sdk 0.1.0 require a `runtime` field that current
  servers call `provider`; those calls go through the SDK's HTTP client and its error mapping, and are read into
  lenient models that accept both shapes.
- the SDK has no `secret_env_vars` on create; the body is sent through the same HTTP client.
- the SDK's stream neither sends `Last-Event-ID` nor survives unknown event types; `stream()` reads the same
  endpoint through the SDK's HTTP client with a lenient SSE reader.
- the SDK's turn model rejects statuses it does not know (newer servers have `interrupted`); turns are read into
  the lenient `TurnInfo` too.
Every failure leaves here as an `UpstreamError` whose message a person can act on and which never contains the
token, nor an error page that something in front of AoD answered in its place (only that it was one).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import aod
import httpx
import pydantic
from aod._http import check_response
from aod.errors import raise_for_status

from ..errors import UpstreamError
from ._models import Ack, AgentInfo, EnvironmentInfo, SessionInfo, StreamEvent, TurnInfo
from ._sse import parse_sse

__all__ = ['Upstream', 'UpstreamStatus', 'public_url']

log = logging.getLogger(__name__)
T = TypeVar('T')


def public_url(url: str) -> str:
    """The address without any user name or password in it, fit to show."""
    parts = urlsplit(url)
    host = parts.hostname or ''
    if parts.port:
        host = f'{host}:{parts.port}'
    return urlunsplit((parts.scheme, host, parts.path, '', ''))


@dataclass
class UpstreamStatus:
    """What the dashboard last learned about AoD's health, for the health endpoint and the operator's view."""

    reachable: bool | None = None
    last_ok_at: float | None = None
    last_latency_ms: float | None = None
    last_error: str | None = None
    last_error_kind: str | None = None
    last_error_at: float | None = None
    known_limit: int | None = None
    last_active: int | None = None


def _detail_text(detail: Any) -> str:
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = '.'.join(str(p) for p in item.get('loc', ()) if p != 'body')
                msg = str(item.get('msg') or item)
                parts.append(f'{loc}: {msg}' if loc else msg)
            else:
                parts.append(str(item))
        return '; '.join(parts)
    if isinstance(detail, dict):  # an empty object says nothing: the caller's own words then stand
        return str(detail.get('detail') or detail) if detail else ''
    return str(detail or '').strip()


class Upstream:
    """Async access to one AoD server with one token."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 15.0, stream_read_timeout: float = 45.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip('/')
        self.display_url = public_url(self.base_url)
        self._token = token
        self._client = aod.AsyncClient(base_url=self.base_url, token=token,
                                       timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), transport=transport)
        self._http: httpx.AsyncClient = self._client._http  # the SDK's own client: base URL, auth and user agent
        self._stream_timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0), read=stream_read_timeout)
        self.status = UpstreamStatus()
        self.recent_errors: deque[tuple[float, str, str]] = deque(maxlen=50)
        self.owner: str | None = None
        """The person whose own token this client uses; None for the shared service token."""
        self.on_auth_error: Callable[[], None] | None = None
        """Called when AoD answers 401/403 to this client's token."""

    @property
    def token_prefix(self) -> str:
        """The token's first characters, as AoD shows its keys; safe to record."""
        return self._token[:8] + '…'

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- reads --------------------------------------------------------------------------------------------------

    async def health(self) -> dict[str, Any]:
        """`GET /health`, with the latency recorded in `status`."""
        return await self._call('health', self._client.health)

    async def list_sessions(self) -> list[SessionInfo]:
        return await self._call('list sessions', lambda: self._get('/sessions'),
                                lambda body: [SessionInfo.from_json(item) for item in _data(body)])

    async def get_session(self, session_id: str) -> SessionInfo:
        return await self._call('get session', lambda: self._get(f'/sessions/{session_id}'), SessionInfo.from_json)

    async def list_agents(self) -> list[AgentInfo]:
        return await self._call('list agents', lambda: self._get('/agents'),
                                lambda body: [AgentInfo.from_json(item) for item in _data(body)])

    async def get_agent(self, agent_id: str) -> AgentInfo:
        return await self._call('get agent', lambda: self._get(f'/agents/{agent_id}'), AgentInfo.from_json)

    async def list_environments(self) -> list[EnvironmentInfo]:
        return await self._call('list environments', lambda: self._get('/environments'),
                                lambda body: [EnvironmentInfo.from_json(item) for item in _data(body)])

    async def turns(self, session_id: str) -> list[TurnInfo]:
        # read into the lenient model: the SDK's own Turn has a closed set of statuses, and one it does not know
        # (newer servers' `interrupted`) would break the whole session page
        return await self._call('list turns', lambda: self._get(f'/sessions/{session_id}/turns'),
                                lambda body: [TurnInfo.from_json(item) for item in _data(body)])

    # -- actions ------------------------------------------------------------------------------------------------

    async def create_session(self, *, agent_id: str, prompt: str, timeout: int | None = None,
                             environment_id: str | None = None, resources: list[dict[str, Any]] | None = None,
                             secret_env_vars: dict[str, str] | None = None) -> Ack:
        body: dict[str, Any] = {'agent_id': agent_id, 'prompt': prompt}
        if timeout is not None:
            body['timeout'] = timeout
        if environment_id:
            body['environment_id'] = environment_id
        if resources:
            body['resources'] = resources
        if secret_env_vars:
            body['secret_env_vars'] = secret_env_vars
        return await self._call('start session', lambda: self._send('POST', '/sessions', body), Ack.from_json)

    async def prompt(self, session_id: str, prompt: str, *, timeout: int | None = None) -> Ack:
        return await self._call('send follow-up',
                                lambda: self._client.sessions.prompt(session_id, prompt=prompt, timeout=timeout),
                                _ack)

    async def terminate(self, session_id: str) -> Ack:
        """Stop a session; one that is terminated already raises kind `already_terminated`."""
        try:
            return await self._call('stop session', lambda: self._client.sessions.terminate(session_id), _ack)
        except UpstreamError as error:
            if error.kind == 'conflict':  # AoD terminates from any status but `terminated`: its one 409 here
                raise UpstreamError('already_terminated', error.message, status=error.status,
                                    detail=error.detail) from None
            raise

    async def delete(self, session_id: str) -> None:
        await self._call('delete session', lambda: self._client.sessions.delete(session_id))

    # -- the stream ---------------------------------------------------------------------------------------------

    async def stream(self, session_id: str, *, since: int | None = None) -> AsyncGenerator[StreamEvent, None]:
        """Yield the session's stream events after cursor `since` (all of them without one), until AoD closes
        the stream. Use with `contextlib.aclosing` so the connection closes when the reader stops early."""
        headers = {'Accept': 'text/event-stream'}
        params: dict[str, Any] = {}
        if since is not None:
            headers['Last-Event-ID'] = str(since)
            params['since'] = since
        try:
            async with self._http.stream('GET', f'/sessions/{session_id}/stream', params=params, headers=headers,
                                         timeout=self._stream_timeout) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise_for_status(response.status_code, _json_or_text(response), 'GET', 'stream')
                self._mark_ok(None)
                async for event in parse_sse(response.aiter_lines()):
                    yield event
        except (aod.AodError, httpx.HTTPError, pydantic.ValidationError) as error:
            raise self._translate('follow the stream', error) from None

    # -- plumbing -----------------------------------------------------------------------------------------------

    async def _get(self, path: str) -> Any:
        return check_response(await self._http.get(path))

    async def _send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        return check_response(await self._http.request(method, path, json=body))

    async def _call(self, what: str, call: Callable[[], Awaitable[Any]], parse: Callable[[Any], T] | None = None
                    ) -> T:
        started = time.perf_counter()
        try:
            result = await call()
            if parse is not None:
                result = parse(result)
        except asyncio.CancelledError:
            raise
        except (aod.AodError, httpx.HTTPError, pydantic.ValidationError, KeyError, TypeError, ValueError) as error:
            raise self._translate(what, error) from None
        self._mark_ok((time.perf_counter() - started) * 1000)
        return result

    def _mark_ok(self, latency_ms: float | None) -> None:
        self.status.reachable = True
        self.status.last_ok_at = time.time()
        if latency_ms is not None:
            self.status.last_latency_ms = latency_ms

    def _translate(self, what: str, error: BaseException) -> UpstreamError:
        result = self._describe(what, error)
        result.message = result.message.replace(self._token, '[token]') if self._token else result.message
        result.args = (result.message,)
        now = time.time()
        if result.kind in {'unreachable', 'timeout'}:
            self.status.reachable = False
        elif result.kind != 'protocol':
            self.status.reachable = True
        if result.kind == 'auth' and self.on_auth_error is not None:
            self.on_auth_error()
        if result.kind == 'rate_limited':
            self.status.known_limit = result.limit or self.status.known_limit
            self.status.last_active = result.active
        if result.kind not in {'not_found', 'conflict', 'invalid', 'rate_limited'}:
            self.status.last_error, self.status.last_error_kind, self.status.last_error_at = \
                result.message, result.kind, now
            self.recent_errors.append((now, result.kind, result.message))
            log.warning('AoD call failed (%s): %s', what, result.message)
        return result

    def _describe(self, what: str, error: BaseException) -> UpstreamError:
        if isinstance(error, aod.AodHTTPError) and _is_markup(error.detail):
            # a reverse proxy (or a debug page) answered instead of AoD's JSON: say so, never show the page
            status = error.status_code
            # not `auth` or `not_found` either: a proxy's 401 or 404 page says nothing about the token or the session
            kind = 'server' if status >= 500 else 'protocol'
            return UpstreamError(kind, f'AoD (or a proxy in front of it) answered {status} with an HTML page instead '
                                 f'of AoD\'s own answer while trying to {what}. Try again in a moment; if it keeps '
                                 'failing, check AoD and the proxy in front of it.', status=status, detail=None)
        if isinstance(error, aod.AodHTTPError):
            detail = _detail_text(error.detail)
            status = error.status_code
            if isinstance(error, aod.AuthError):
                if self.owner is not None:
                    return UpstreamError('auth', f'AoD refused the personal token of {self.owner} ({status}) while '
                                         f'trying to {what}. An admin must set a new one.', status=status,
                                         detail=detail)
                return UpstreamError('auth', f'AoD refused the dashboard\'s token ({status}) while trying to {what}. '
                                     'An administrator must check AOD_API_TOKEN.', status=status, detail=detail)
            if isinstance(error, aod.NotFoundError):
                return UpstreamError('not_found', detail or 'Not found in AoD.', status=status, detail=detail)
            if isinstance(error, aod.ConflictError):
                return UpstreamError('conflict', detail or 'AoD refused: the session is not in a state that allows '
                                     'this.', status=status, detail=detail)
            if isinstance(error, aod.RateLimitError):
                if error.limit is not None and error.active is not None:
                    text = (f'{error.active} of {error.limit} sessions are active, the most AoD allows. Stop a '
                            'session that is no longer needed, then try again.')
                else:
                    text = f'AoD is at its concurrent session limit: {detail}'
                return UpstreamError('rate_limited', text, status=status, detail=detail, limit=error.limit,
                                     active=error.active)
            if isinstance(error, aod.ServerError):
                suffix = f': {detail}' if detail else ''
                return UpstreamError('server', f'AoD failed to {what} ({status}{suffix}). Try again in a moment; '
                                     'if it keeps failing, check the AoD server.', status=status, detail=detail)
            return UpstreamError('invalid', f'AoD rejected the request to {what}: {detail or status}.',
                                 status=status, detail=detail)
        if isinstance(error, httpx.TimeoutException):
            return UpstreamError('timeout', f'AoD at {self.display_url} did not answer in time while trying to '
                                 f'{what}. It may be overloaded; try again in a moment.')
        if isinstance(error, httpx.TransportError):
            return UpstreamError('unreachable', f'AoD unreachable: the dashboard cannot connect to '
                                 f'{self.display_url} to {what}. Check that AoD is running and reachable.')
        return UpstreamError('protocol', f'AoD sent an answer the dashboard does not understand while trying to '
                             f'{what} ({type(error).__name__}).')


_MARKUP = re.compile(r'<\s*(!doctype|html|head|body|title|h1|center|hr|p|div|pre)\b', re.IGNORECASE)


def _is_markup(detail: Any) -> bool:
    """Whether an error body is an HTML page (what a proxy answers) rather than AoD's `{"detail": ...}`."""
    return isinstance(detail, str) and _MARKUP.search(detail) is not None


def _ack(ack: aod.SessionAck) -> Ack:
    return Ack(id=str(ack.id), status=ack.status, current_turn=ack.current_turn)


def _data(body: Any) -> list[dict[str, Any]]:
    items = body.get('data') if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise ValueError('expected {"data": [...]}')
    return [item for item in items if isinstance(item, dict)]


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
