"""The verified ID-token claims of a provider account, got the way the dashboard gets them: authorization code with
PKCE, state and nonce, through the real login form, the ID token checked against the provider's keys."""

from __future__ import annotations

import time
import warnings

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client

from tests.oidc.fixture import OidcProvider

with warnings.catch_warnings():
    warnings.simplefilter('ignore', DeprecationWarning)  # authlib.jose is deprecated in favour of joserfc
    from authlib.jose import JsonWebKey, jwt

__all__ = ['id_token_claims', 'provider_sign_in']

REDIRECT_URI = 'http://127.0.0.1:8765/auth/callback'


async def id_token_claims(oidc: OidcProvider, login: str, password: str | None = None) -> dict:
    """Sign `login` in at the provider and return the claims of the ID token it issues (verified: RS256)."""
    return (await provider_sign_in(oidc, login, password))[1]


async def provider_sign_in(oidc: OidcProvider, login: str, password: str | None = None,
                           scope: str = 'openid email profile groups') -> tuple[dict, dict]:
    """Sign `login` in at the provider: (the token response, the verified ID-token claims)."""
    password = password or oidc.account(login).password
    async with httpx.AsyncClient(timeout=10) as http:
        metadata = (await http.get(oidc.discovery_url)).raise_for_status().json()
        jwks = (await http.get(metadata['jwks_uri'])).raise_for_status().json()
    async with AsyncOAuth2Client(client_id=oidc.client_id, client_secret=oidc.client_secret,
                                 scope=scope, redirect_uri=REDIRECT_URI,
                                 code_challenge_method='S256', timeout=10) as client:
        verifier, nonce = generate_token(48), generate_token(20)
        extra = {'prompt': 'consent'} if 'offline_access' in scope.split() else {}  # else no refresh token
        url, state = client.create_authorization_url(metadata['authorization_endpoint'], code_verifier=verifier,
                                                     nonce=nonce, **extra)
        callback = await oidc.alogin(url, login, password)
        token = await client.fetch_token(metadata['token_endpoint'], authorization_response=callback,
                                         code_verifier=verifier, state=state)
    claims = jwt.decode(token['id_token'], JsonWebKey.import_key_set(jwks),
                        claims_options={'iss': {'essential': True, 'value': oidc.issuer},
                                        'aud': {'essential': True, 'value': oidc.client_id},
                                        'nonce': {'essential': True, 'value': nonce}})
    claims.validate(now=int(time.time()), leeway=5)
    return dict(token), dict(claims)
