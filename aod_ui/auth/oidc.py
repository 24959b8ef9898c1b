"""Sign-in through OpenID Connect with authlib: authorization code with PKCE (S256), state and nonce checked, and
the ID token's signature and claims validated by authlib against the provider's published keys.

Nothing is kept on the server for a browser that has not signed in: the state, nonce, PKCE verifier and the page to
return to travel in the browser's signed session cookie, which also binds the answer to the browser that asked
(an attacker's callback address opened in someone else's browser finds no state there and is refused). ID tokens
are accepted only when signed with one of the asymmetric algorithms the provider advertises (never `none`, never a
shared-secret HMAC). The person's account is the one bound to the token's issuer and subject (see
`PeopleService.login_oidc`); `_provider_check` asks the provider again on a schedule.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.starlette_client import OAuth, OAuthError, StarletteOAuth2App
from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app

from ..errors import AodUiError, ConfigError
from ..hub import spawn_detached
from ..services import OidcPolicy
from ..system import System
from . import safe_next, sign_in
from ._provider_check import ProviderCheck

__all__ = ['ASYMMETRIC_ALGORITHMS', 'register_oidc']

log = logging.getLogger(__name__)

ASYMMETRIC_ALGORITHMS = ('RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA',
                         'Ed25519')
"""ID-token signatures the dashboard accepts, when the provider advertises them."""

NEXT_KEY = 'oidc_next'
ERROR_KEY = 'login_error'


class _PinnedApp(StarletteOAuth2App):
    """authlib's client, with the ID-token algorithms narrowed to the asymmetric ones the provider advertises."""

    async def load_server_metadata(self) -> dict:
        metadata = await super().load_server_metadata()
        if '_aod_pinned' not in metadata:
            advertised = metadata.get('id_token_signing_alg_values_supported') or ['RS256']
            pinned = [alg for alg in advertised if alg in ASYMMETRIC_ALGORITHMS]
            if not pinned:
                metadata.pop('_loaded_at', None)  # ask again next time: the provider may be fixed by then
                raise ConfigError('The identity provider signs ID tokens with none of '
                                  f'{", ".join(ASYMMETRIC_ALGORITHMS)} (it offers {", ".join(map(str, advertised))}).')
            metadata['id_token_signing_alg_values_supported'] = pinned
            metadata['_aod_pinned'] = True
        return metadata


class _OAuth(OAuth):
    oauth2_client_cls = _PinnedApp


def register_oidc(system: System) -> None:
    settings = system.settings
    oauth = _OAuth()  # no cache: sign-in state lives in the browser's signed cookie, never on the server
    oauth.register('idp', client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
                   server_metadata_url=settings.oidc_discovery_url,
                   client_kwargs={'scope': settings.oidc_scopes, 'code_challenge_method': 'S256'})
    policy = OidcPolicy(allowed_domains=settings.oidc_allowed_domains, role_claim=settings.oidc_role_claim,
                        admin_values=settings.oidc_admin_values, member_values=settings.oidc_member_values,
                        viewer_values=settings.oidc_viewer_values, default_role=settings.oidc_default_role)
    check = ProviderCheck(system.people, policy, client_id=settings.oidc_client_id,
                          client_secret=settings.oidc_client_secret, metadata=oauth.idp.load_server_metadata,
                          session_hours=settings.session_hours)
    system.provider_check = check

    def base_url(request: Request) -> str:
        return settings.public_url or str(request.base_url).rstrip('/')

    @app.get('/auth/oidc/login', include_in_schema=False)
    async def oidc_login(request: Request, next: str = '/') -> RedirectResponse:
        request.session[NEXT_KEY] = safe_next(next)[:2000]
        try:
            return await oauth.idp.authorize_redirect(request, f'{base_url(request)}/auth/callback')
        except Exception as error:  # discovery failed: the provider is down or misconfigured
            log.warning('OpenID Connect provider unavailable: %s: %s', type(error).__name__, error)
            return _back_to_login(request, 'The identity provider cannot be reached. Try again in a moment.')

    @app.get('/auth/callback', include_in_schema=False)
    async def oidc_callback(request: Request) -> RedirectResponse:
        if not any(key.startswith('_state_idp_') for key in request.session):
            # no sign-in was started in this browser: nothing to check, and nothing written for it
            return _back_to_login(request, 'Sign-in was not completed. Try again.')
        try:
            token = await oauth.idp.authorize_access_token(request)
        except OAuthError as error:
            log.info('OpenID Connect sign-in refused: %s', error.error)
            await system.store_audit('(oidc)', 'login', 'denied', f'provider: {str(error.error)[:100]}')
            return _back_to_login(request, 'Sign-in was not completed. Try again.')
        except Exception as error:  # a bad token, a wrong nonce or signature, or the provider failing mid-way
            log.warning('OpenID Connect sign-in failed: %s', type(error).__name__)
            await system.store_audit('(oidc)', 'login', 'denied', f'invalid answer: {type(error).__name__}')
            return _back_to_login(request, 'The identity provider\'s answer could not be verified. Try again.')
        claims: dict[str, Any] = dict(token.get('userinfo') or {})
        issuer, subject = str(claims.get('iss') or ''), claims.get('sub')
        if isinstance(subject, str) and issuer:
            check.hold(issuer, subject, token)  # before the sign-in is recorded, so the schedule sees it held
        try:
            actor = await system.people.login_oidc(claims, policy, issuer)
        except AodUiError as error:
            if isinstance(subject, str):
                check.drop(issuer, subject)
            return _back_to_login(request, str(error))
        sign_in(actor)
        return RedirectResponse(safe_next(request.session.pop(NEXT_KEY, '/')), status_code=303)

    async def end_session_url(request: Request, username: str) -> str | None:
        try:
            metadata = await oauth.idp.load_server_metadata()
        except Exception:
            return None
        endpoint = metadata.get('end_session_endpoint')
        if not endpoint:
            return None
        params = {'post_logout_redirect_uri': f'{base_url(request)}/login', 'client_id': settings.oidc_client_id}
        hint = check.id_token(username)
        if hint:
            params['id_token_hint'] = hint
        return f'{endpoint}?{urlencode(params)}'

    system.end_session_url = end_session_url

    async def start_checking() -> None:
        system.background(spawn_detached(check.run(settings.oidc_recheck_seconds), 'provider re-check'))

    app.on_startup(start_checking)


def _back_to_login(request: Request, message: str) -> RedirectResponse:
    request.session[ERROR_KEY] = message[:500]  # in the signed cookie: nothing stored for a browser not signed in
    return RedirectResponse('/login', status_code=303)
