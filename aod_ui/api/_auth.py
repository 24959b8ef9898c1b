"""Who is behind an API request: a personal access token in the `Authorization` header, and nothing else.

Cookies never authenticate the API, so a page open in a browser cannot be made to act through it (no CSRF path).
A token in the address is refused, and the access log never shows one: addresses are logged (here, and by every
proxy on the way), headers are not. Each request is checked at the moment it runs (token, expiry, the person's
current role), limited per token, and held to the token's scopes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..services import TOKEN_PREFIX, ApiCaller
from ..system import System
from ._errors import ApiProblem

__all__ = ['RedactTokens', 'bearer', 'caller_with', 'system_of']

bearer = HTTPBearer(auto_error=False, scheme_name='token',
                    description=f'A personal access token ({TOKEN_PREFIX}…), made under Tokens in the dashboard.')
_TOKEN = re.compile(re.escape(TOKEN_PREFIX) + r'[A-Za-z0-9_\-]*')
SCOPE_NEEDED = {'read': 'read sessions', 'launch': 'start sessions or send follow-ups',
                'manage': 'stop or delete sessions'}


def system_of(request: Request) -> System:
    return request.app.state.system


class RedactTokens(logging.Filter):
    """Hides anything shaped like a dashboard token in a log record (for the access log: a token someone put in an
    address is refused, and must not be kept in the log either)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and TOKEN_PREFIX in record.msg:
            record.msg = _TOKEN.sub(TOKEN_PREFIX + '(hidden)', record.msg)
        if isinstance(record.args, tuple) and any(isinstance(a, str) and TOKEN_PREFIX in a for a in record.args):
            record.args = tuple(_TOKEN.sub(TOKEN_PREFIX + '(hidden)', a) if isinstance(a, str) else a
                                for a in record.args)
        return True


def caller_with(scope: str) -> Callable[..., Awaitable[ApiCaller]]:
    """A dependency that answers with the caller when their token may `scope`, and refuses otherwise."""

    async def dependency(request: Request,
                         credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> ApiCaller:
        system = system_of(request)
        if any(TOKEN_PREFIX in value for value in request.query_params.values()):
            raise ApiProblem(400, 'token_in_address', 'Send the token in the Authorization header, never in the '
                             'address: addresses are written to logs on the way. Revoke this token and make a new '
                             'one.')
        if credentials is None or not credentials.credentials:
            raise ApiProblem(401, 'unauthorized', 'Send a personal access token in the Authorization header '
                             f'(Authorization: Bearer {TOKEN_PREFIX}…). Make one under Tokens in the dashboard.',
                             {'WWW-Authenticate': 'Bearer'})
        await system.wait_ready()
        caller = system.api_tokens.caller(credentials.credentials)
        wait = system.api_tokens.retry_after(caller)
        if wait:
            raise ApiProblem(429, 'rate_limited', f'Too many requests with this token: try again in {wait} s.',
                             {'Retry-After': str(wait)})
        if not caller.may(scope):
            raise ApiProblem(403, 'insufficient_scope', f'This token may not {SCOPE_NEEDED[scope]}: it lacks the '
                             f'{scope} scope. Make a token with that scope under Tokens.')
        await system.api_tokens.used(caller)
        return caller

    return dependency


def install_redaction() -> None:
    """Keep tokens out of the server's logs (idempotent): uvicorn's access and error logs (their loggers, as uvicorn
    gives them handlers of their own later), and whatever reaches the root logger's handlers (the dashboard's own
    loggers, which may quote a refused request's path)."""
    for logger in (logging.getLogger('uvicorn.access'), logging.getLogger('uvicorn.error')):
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactTokens) for f in handler.filters):
            handler.addFilter(RedactTokens())
