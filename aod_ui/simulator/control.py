"""The control API under `/_sim/`, served only when `SimulatorConfig.control` is true.

    POST /_sim/sessions                  seed one session (object) or many (list); answers the Session(s)
    GET  /_sim/stats                     {"open_streams", "streams_opened", "stream_reads", "requests": {route: n},
                                          "stream_cursors": {header|query|both|mismatch|none: n},
                                          "streams_by_session": {session id: n}}
    POST /_sim/tokens/{token}            accept a token (a new owner, or a revoked one restored)
    POST /_sim/tokens/{token}/revoke     the token answers 401 from now on
    GET  /_sim/faults, POST /_sim/faults read or replace the fault settings (`{}` clears them)

Faults: `drop_stream_after_events` (int), `status_burst` ({route, status, count, html?}; route is a name from
`GET /_sim/stats`, or "*"; `html: true` answers with the HTML error page of a reverse proxy in front of AoD instead
of AoD's JSON), `delay_seconds` (float). They never touch the control API itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .seeding import seed_session
from .state import Faults, SimState
from .validation import ApiError, parse_json

__all__ = ['control_routes', 'parse_faults']

_SEED_FIELDS = {'token', 'agent_id', 'status', 'created_at', 'updated_at', 'prompt', 'turns', 'exit_code', 'id'}


def parse_faults(body: Any) -> Faults:
    """Faults from a JSON object; unknown keys and wrong types are a 422."""
    if not isinstance(body, dict):
        raise ApiError(422, 'Faults must be a JSON object')
    unknown = set(body) - {'drop_stream_after_events', 'status_burst', 'delay_seconds'}
    if unknown:
        raise ApiError(422, f'Unknown fault(s): {", ".join(sorted(unknown))}')
    faults = Faults()
    drop = body.get('drop_stream_after_events')
    if drop is not None:
        if not isinstance(drop, int) or drop < 1:
            raise ApiError(422, 'drop_stream_after_events must be a positive integer')
        faults.drop_stream_after_events = drop
    burst = body.get('status_burst')
    if burst is not None:
        if not isinstance(burst, dict) or not isinstance(burst.get('route'), str) \
                or not isinstance(burst.get('status'), int) or not isinstance(burst.get('count', 1), int) \
                or not isinstance(burst.get('html', False), bool) or set(burst) - {'route', 'status', 'count', 'html'}:
            raise ApiError(422, 'status_burst must be {"route": str, "status": int, "count": int, "html": bool}')
        faults.status_burst = {'route': burst['route'], 'status': burst['status'], 'count': burst.get('count', 1)}
        if burst.get('html'):
            faults.status_burst['html'] = True
    delay = body.get('delay_seconds', 0)
    if not isinstance(delay, int | float) or delay < 0:
        raise ApiError(422, 'delay_seconds must be a number, zero or more')
    faults.delay_seconds = float(delay)
    return faults


def control_routes(state: SimState) -> list[Route]:
    """The `/_sim/` routes bound to `state`."""
    shape = state.config.shape

    def guarded(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as exc:
                return JSONResponse({'detail': exc.detail, **exc.extra}, status_code=exc.status)
            except (TypeError, ValueError) as exc:
                return JSONResponse({'detail': str(exc)}, status_code=422)
        return endpoint

    async def seed(request: Request) -> Response:
        body = parse_json(await request.body())
        items = body if isinstance(body, list) else [body]
        for item in items:
            if not isinstance(item, dict) or set(item) - _SEED_FIELDS:
                raise ApiError(422, f'Each seeded session is an object with only: {", ".join(sorted(_SEED_FIELDS))}')
        sessions = [seed_session(state, **item) for item in items]
        payloads = [session.to_json(shape) for session in sessions]
        return JSONResponse({'data': payloads} if isinstance(body, list) else payloads[0], status_code=201)

    async def stats(request: Request) -> Response:
        return JSONResponse(state.stats.to_json())

    async def accept_token(request: Request) -> Response:
        state.add_token(request.path_params['token'])
        return JSONResponse({'detail': 'Token accepted'})

    async def revoke_token(request: Request) -> Response:
        state.revoke_token(request.path_params['token'])
        return JSONResponse({'detail': 'Token revoked'})

    async def faults(request: Request) -> Response:
        if request.method == 'POST':
            state.faults = parse_faults(parse_json(await request.body() or b'{}'))
        return JSONResponse(state.faults.to_json())

    return [
        Route('/_sim/sessions', guarded(seed), methods=['POST']),
        Route('/_sim/stats', guarded(stats), methods=['GET']),
        Route('/_sim/tokens/{token}', guarded(accept_token), methods=['POST']),
        Route('/_sim/tokens/{token}/revoke', guarded(revoke_token), methods=['POST']),
        Route('/_sim/faults', guarded(faults), methods=['GET', 'POST']),
    ]
