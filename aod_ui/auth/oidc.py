"""Sign-in through OpenID Connect with authlib: authorization code with PKCE (S256), state and nonce checked, and
the ID token's signature and claims validated by authlib against the provider's published keys.

The state, nonce and PKCE verifier stay on the server (authlib's cache below); the browser's cookie carries only
an expiry marker for the state.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app

from ..errors import AodUiError
from ..services import OidcPolicy
from ..system import System
from . import safe_next, sign_in

__all__ = ['register_oidc']

log = logging.getLogger(__name__)


class _MemoryCache:
    """The small cache interface authlib uses for sign-in state, in memory, with expiry."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, Any]] = {}

    async def get(self, key: str) -> Any:
        item = self._items.get(key)
        if item is None or item[0] < time.time():
            self._items.pop(key, None)
            return None
        return item[1]

    async def set(self, key: str, value: Any, expires: float | None = None) -> None:
        now = time.time()
        self._items = {k: v for k, v in self._items.items() if v[0] >= now}  # sweep expired sign-in attempts
        self._items[key] = (now + (expires or 3600), value)

    async def delete(self, key: str) -> None:
        self._items.pop(key, None)


def register_oidc(system: System) -> None:
    settings = system.settings
    oauth = OAuth(cache=_MemoryCache())
    oauth.register('idp', client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
                   server_metadata_url=settings.oidc_discovery_url,
                   client_kwargs={'scope': settings.oidc_scopes, 'code_challenge_method': 'S256'})
    policy = OidcPolicy(allowed_domains=settings.oidc_allowed_domains, role_claim=settings.oidc_role_claim,
                        admin_values=settings.oidc_admin_values, member_values=settings.oidc_member_values,
                        viewer_values=settings.oidc_viewer_values, default_role=settings.oidc_default_role)
    id_tokens: dict[str, str] = {}  # by username, for the provider's sign-out; in memory only

    def base_url(request: Request) -> str:
        return settings.public_url or str(request.base_url).rstrip('/')

    @app.get('/auth/oidc/login', include_in_schema=False)
    async def oidc_login(request: Request, next: str = '/') -> RedirectResponse:
        app.storage.user['next'] = safe_next(next)
        try:
            return await oauth.idp.authorize_redirect(request, f'{base_url(request)}/auth/callback')
        except Exception as error:  # discovery failed: the provider is down or misconfigured
            log.warning('OpenID Connect provider unavailable: %s: %s', type(error).__name__, error)
            return _back_to_login('The identity provider cannot be reached. Try again in a moment.')

    @app.get('/auth/callback', include_in_schema=False)
    async def oidc_callback(request: Request) -> RedirectResponse:
        try:
            token = await oauth.idp.authorize_access_token(request)
        except OAuthError as error:
            log.info('OpenID Connect sign-in refused: %s', error.error)
            await system.store_audit('(oidc)', 'login', 'denied', f'provider: {error.error}')
            return _back_to_login('Sign-in was not completed. Try again.')
        except Exception as error:  # a bad token, a wrong nonce or signature, or the provider failing mid-way
            log.warning('OpenID Connect sign-in failed: %s', type(error).__name__)
            await system.store_audit('(oidc)', 'login', 'denied', f'invalid answer: {type(error).__name__}')
            return _back_to_login('The identity provider\'s answer could not be verified. Try again.')
        claims = dict(token.get('userinfo') or {})
        try:
            actor = await system.people.login_oidc(claims, policy)
        except AodUiError as error:
            return _back_to_login(str(error))
        sign_in(actor)
        if token.get('id_token'):
            id_tokens[actor.username] = token['id_token']
        return RedirectResponse(safe_next(app.storage.user.pop('next', '/')), status_code=303)

    async def end_session_url(request: Request, username: str) -> str | None:
        try:
            metadata = await oauth.idp.load_server_metadata()
        except Exception:
            return None
        endpoint = metadata.get('end_session_endpoint')
        if not endpoint:
            return None
        params = {'post_logout_redirect_uri': f'{base_url(request)}/login', 'client_id': settings.oidc_client_id}
        hint = id_tokens.pop(username, None)
        if hint:
            params['id_token_hint'] = hint
        return f'{endpoint}?{urlencode(params)}'

    system.end_session_url = end_session_url


def _back_to_login(message: str) -> RedirectResponse:
    app.storage.user['login_error'] = message
    return RedirectResponse('/login', status_code=303)
