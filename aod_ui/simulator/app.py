"""The simulator's HTTP API: the routes of `aod-api.md` that the dashboard uses, as a Starlette app."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .catalog import ENVIRONMENTS, agent_json, environment_by_id, environment_json
from .config import SimulatorConfig
from .control import control_routes
from .runner import start_turn
from .state import ACTIVE, SimSession, SimState, Turn, now
from .stream import read_cursor, stream_response
from .validation import ApiError, parse_create, parse_json, parse_prompt

__all__ = ['create_app', 'proxy_page']

Handler = Callable[[Request, str], Awaitable[Response]]


def create_app(config: SimulatorConfig | None = None, *, state: SimState | None = None) -> Starlette:
    """The simulator as an ASGI app; its `SimState` is `app.state.sim`."""
    state = state or SimState(config or SimulatorConfig())
    api = _Api(state)
    routes = [
        Route('/health', api.wrap('health', api.health, auth=False)),
        Route('/agents', api.wrap('agents', api.list_agents)),
        Route('/agents/{agent_id}', api.wrap('agent', api.get_agent)),
        Route('/environments', api.wrap('environments', api.list_environments)),
        Route('/sessions', api.wrap('list', api.list_sessions), methods=['GET']),
        Route('/sessions', api.wrap('create', api.create_session), methods=['POST']),
        Route('/sessions/{session_id}', api.wrap('get', api.get_session)),
        Route('/sessions/{session_id}/prompt', api.wrap('prompt', api.prompt), methods=['POST']),
        Route('/sessions/{session_id}/turns', api.wrap('turns', api.turns)),
        Route('/sessions/{session_id}/terminate', api.wrap('terminate', api.terminate), methods=['POST']),
        Route('/sessions/{session_id}/delete', api.wrap('delete', api.delete), methods=['DELETE']),
        Route('/sessions/{session_id}/stream', api.wrap('stream', api.stream), name='stream'),
    ]
    if state.config.control:
        routes += control_routes(state)
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.state.sim = state
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({'detail': exc.detail}, status_code=exc.status_code, headers=exc.headers)


def proxy_page(status: int) -> str:
    """The error page nginx answers when the server behind it fails (`502 Bad Gateway` and its kin)."""
    reason = {502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out'}.get(status, 'Error')
    return (f'<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n'
            f'<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n'
            '</body>\r\n</html>\r\n')


def _error(exc: ApiError) -> JSONResponse:
    return JSONResponse({'detail': exc.detail, **exc.extra}, status_code=exc.status)


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


class _Api:
    """The route handlers, sharing one `SimState`."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.shape = state.config.shape

    def wrap(self, name: str, handler: Handler, *, auth: bool = True) -> Callable[[Request], Awaitable[Response]]:
        """Count the request, apply the active faults, check the bearer token, map `ApiError` to an answer."""
        state = self.state

        async def endpoint(request: Request) -> Response:
            state.stats.requests[name] += 1
            if state.faults.delay_seconds > 0:
                await asyncio.sleep(state.faults.delay_seconds)
            burst = state.faults.take_burst(name)
            if burst is not None:
                status, html = burst
                if html:
                    return HTMLResponse(proxy_page(status), status_code=status)
                return JSONResponse({'detail': f'Simulated fault ({status})'}, status_code=status)
            try:
                owner = self._owner(request) if auth else ''
                return await handler(request, owner)
            except ApiError as exc:
                return _error(exc)

        endpoint.__name__ = name
        return endpoint

    def _owner(self, request: Request) -> str:
        scheme, _, token = request.headers.get('authorization', '').partition(' ')
        if scheme.lower() != 'bearer' or not token.strip():
            raise ApiError(401, 'Authentication credentials were not provided.')
        owner = self.state.owner_for(token.strip())
        if owner is None:
            raise ApiError(401, 'Invalid or inactive API key.')
        return owner

    def _session(self, request: Request, owner: str) -> SimSession:
        session_id = _uuid(request.path_params['session_id'])
        session = self.state.find(session_id, owner) if session_id else None
        if session is None:
            raise ApiError(404, 'Session not found')
        return session

    def _ack(self, request: Request, session: SimSession, **extra: Any) -> JSONResponse:
        body = {'id': session.id, 'status': session.status,
                'stream_url': str(request.url_for('stream', session_id=session.id)), **extra,
                'current_turn': session.current_turn}
        return JSONResponse(body, status_code=202)

    async def health(self, request: Request, owner: str) -> Response:
        return JSONResponse({'status': 'ok', 'database': 'ok', 'service': 'aod-simulator'})

    async def list_agents(self, request: Request, owner: str) -> Response:
        agents = sorted((spec for spec in self.state.agents(owner).values() if not spec.archived),
                        key=lambda spec: spec.created_at, reverse=True)
        return JSONResponse({'data': [agent_json(spec, self.shape) for spec in agents]})

    async def get_agent(self, request: Request, owner: str) -> Response:
        spec = self.state.agents(owner).get(_uuid(request.path_params['agent_id']) or '')
        if spec is None:
            raise ApiError(404, 'Agent not found')
        return JSONResponse(agent_json(spec, self.shape))

    async def list_environments(self, request: Request, owner: str) -> Response:
        envs = sorted((spec for spec in ENVIRONMENTS if not spec.archived), key=lambda spec: spec.created_at,
                      reverse=True)
        return JSONResponse({'data': [environment_json(spec) for spec in envs]})

    async def create_session(self, request: Request, owner: str) -> Response:
        body = parse_create(parse_json(await request.body()))
        agent = self.state.agents(owner).get(_uuid(body.agent_id) or '')
        if agent is None:
            raise ApiError(404, 'Agent not found')
        if agent.archived:
            raise ApiError(409, 'Agent is archived')
        environment = environment_by_id(_uuid(body.environment_id or agent.environment_id) or '')
        if environment is None:
            raise ApiError(404, 'Environment not found')
        if environment.archived:
            raise ApiError(409, 'Environment is archived')
        limit, active = self.state.config.max_active, self.state.active_count(owner)
        if active >= limit:
            raise ApiError(429, f'Concurrent session limit reached ({active}/{limit}). Terminate an active session '
                                'before starting a new one.', limit=limit, active=active)
        created = now()
        session = SimSession(id=self.state.new_session_id(), owner=owner, agent=agent, environment_id=environment.id,
                             created_at=created, resources=body.resources, secret_env_vars=body.secret_env_vars)
        session.turns.append(Turn(1, body.prompt, created, timeout=body.timeout))
        self.state.add_session(session)
        start_turn(self.state, session, session.turns[0])
        return self._ack(request, session, environment_id=session.environment_id,
                         resources=[dict(resource) for resource in session.resources])

    async def list_sessions(self, request: Request, owner: str) -> Response:
        return JSONResponse({'data': [session.to_json(self.shape) for session in self.state.sessions_of(owner)]})

    async def get_session(self, request: Request, owner: str) -> Response:
        return JSONResponse(self._session(request, owner).to_json(self.shape))

    async def prompt(self, request: Request, owner: str) -> Response:
        session = self._session(request, owner)
        body = parse_prompt(parse_json(await request.body()))
        refusals = {
            'running': 'Session is already running',
            'pending': 'Session already has a pending turn',
            'terminated': 'Session has been terminated',
            'failed': 'Session has failed and cannot be resumed. Start a new session.',
        }
        if session.status in refusals:
            raise ApiError(409, refusals[session.status])
        turn = Turn(session.current_turn + 1, body.prompt, now(), timeout=body.timeout)
        session.turns.append(turn)
        session.exit_code = None
        session.touch('pending')
        session.notify()
        start_turn(self.state, session, turn)
        return self._ack(request, session)

    async def turns(self, request: Request, owner: str) -> Response:
        return JSONResponse({'data': [turn.to_json() for turn in self._session(request, owner).turns]})

    async def terminate(self, request: Request, owner: str) -> Response:
        session = self._session(request, owner)
        if session.status == 'terminated':
            raise ApiError(409, 'Session is already terminated')
        self.state.terminate(session)
        return JSONResponse({'id': session.id, 'status': 'terminated'})

    async def delete(self, request: Request, owner: str) -> Response:
        session = self._session(request, owner)
        if session.status in ACTIVE:
            raise ApiError(409, 'Cannot delete an active session')
        self.state.remove(session)
        return JSONResponse({'detail': 'Session deleted'})

    async def stream(self, request: Request, owner: str) -> Response:
        session = self._session(request, owner)
        self.state.stats.note_cursor(request.headers.get('last-event-id'), request.query_params.get('since'))
        return stream_response(self.state, session, read_cursor(request))
