"""The one place that turns errors into the API's answers: `{"error": {"code": ..., "message": ...}}` with a status,
where the message is the same sentence a page would show."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import ActionError, AodUiError, ConfigError, LimitReached, NotAllowed, StorageError, UpstreamError
from ..services import TokenRefused
from ..services._sessions import NOT_FOUND

__all__ = ['ApiProblem', 'install_handlers', 'problem']

UPSTREAM_STATUS = {'auth': 502, 'not_found': 404, 'conflict': 409, 'invalid': 422, 'rate_limited': 429,
                   'server': 502, 'unreachable': 502, 'timeout': 504, 'protocol': 502}
"""AoD's failures as the API answers them: a refusal of AoD's token is the dashboard's problem (502), not the
caller's (401); AoD's own limit (429) is passed on."""


class ApiProblem(Exception):
    """An answer other than success, decided by the API layer itself (authentication, scopes, limits, input)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def problem(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({'error': {'code': code, 'message': message}}, status_code=status, headers=headers)


def _for_dashboard_error(error: AodUiError) -> JSONResponse:
    message = str(error)
    if isinstance(error, TokenRefused):
        return problem(401, 'unauthorized', message, {'WWW-Authenticate': 'Bearer'})
    if isinstance(error, NotAllowed):
        # the services answer "no such session" for sessions a person may not see, so nothing leaks; that one
        # sentence is a 404, every other refusal a 403
        return problem(404, 'not_found', message) if message == NOT_FOUND else problem(403, 'forbidden', message)
    if isinstance(error, LimitReached):  # the person's fair share: a later retry may pass, as with AoD's own 429
        return problem(429, 'limit_reached', message)
    if isinstance(error, ActionError):
        return problem(409, 'conflict', message)
    if isinstance(error, UpstreamError):
        return problem(UPSTREAM_STATUS.get(error.kind, 502), f'upstream_{error.kind}', message)
    if isinstance(error, ConfigError | StorageError):
        return problem(503, 'unavailable', message)
    return problem(500, 'internal', message)


def install_handlers(api: FastAPI) -> None:
    """Every error the API can meet, answered in the one shape."""

    @api.exception_handler(ApiProblem)
    async def on_problem(_request: Request, error: ApiProblem) -> JSONResponse:
        return problem(error.status, error.code, error.message, error.headers)

    @api.exception_handler(AodUiError)
    async def on_dashboard_error(_request: Request, error: AodUiError) -> JSONResponse:
        return _for_dashboard_error(error)

    @api.exception_handler(RequestValidationError)
    async def on_invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        parts = []
        for item in error.errors()[:5]:
            where = '.'.join(str(p) for p in item.get('loc', ()) if p not in {'body', 'query', 'path'})
            parts.append(f'{where}: {item.get("msg", "invalid")}' if where else str(item.get('msg', 'invalid')))
        return problem(422, 'invalid_request', 'The request is not valid: ' + '; '.join(parts) + '.')

    @api.exception_handler(StarletteHTTPException)
    async def on_http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: 'no_such_endpoint', 405: 'method_not_allowed'}.get(error.status_code, 'http_error')
        message = {404: 'There is no such endpoint: see /api/docs for the ones there are.',
                   405: 'This endpoint does not take this method: see /api/docs.'}.get(error.status_code,
                                                                                       str(error.detail))
        return problem(error.status_code, code, message)
