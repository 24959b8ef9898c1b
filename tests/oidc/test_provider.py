"""The loopback OpenID Connect provider works end to end, driven the way the dashboard will drive it:
authlib's OAuth client, authorization code + PKCE + state + nonce, ID token checked against the JWKS."""

from __future__ import annotations

import time
import warnings
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client

from tests.oidc.fixture import (
    DEFAULT_ACCOUNTS,
    OidcFlowError,
    OidcLoginError,
    OidcProvider,
    start_oidc_provider,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # authlib.jose is deprecated in favour of joserfc
    from authlib.jose import JsonWebKey, jwt

SCOPE = "openid email profile groups"
REDIRECT_URI = "http://127.0.0.1:8765/auth/callback"  # any port matches in the session fixture


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def endpoint_url(metadata: dict, endpoint: str, **params: str) -> str:
    return metadata[endpoint] + "?" + urlencode(params)


def oauth_client(oidc: OidcProvider, **kwargs: object) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=oidc.client_id,
        client_secret=oidc.client_secret,
        scope=SCOPE,
        redirect_uri=kwargs.pop("redirect_uri", REDIRECT_URI),
        code_challenge_method="S256",
        token_endpoint_auth_method=kwargs.pop("token_endpoint_auth_method", "client_secret_basic"),
        timeout=10,
        **kwargs,
    )


async def authorize(oidc: OidcProvider, client: AsyncOAuth2Client, metadata: dict, username: str, password: str):
    """Run the code flow with PKCE, state and nonce; return (token, nonce)."""
    verifier = generate_token(48)
    nonce = generate_token(20)
    url, state = client.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    callback = await oidc.alogin(url, username, password)
    params = query(callback)
    assert callback.startswith(client.redirect_uri + "?"), callback
    assert params["state"] == state
    assert params["iss"] == oidc.issuer
    token = await client.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier, state=state
    )
    return token, nonce


async def decode_id_token(oidc: OidcProvider, metadata: dict, id_token: str, nonce: str) -> dict:
    async with httpx.AsyncClient() as http:
        jwks = (await http.get(metadata["jwks_uri"])).raise_for_status().json()
    claims = jwt.decode(
        id_token,
        JsonWebKey.import_key_set(jwks),
        claims_options={
            "iss": {"essential": True, "value": oidc.issuer},
            "aud": {"essential": True, "value": oidc.client_id},
            "nonce": {"essential": True, "value": nonce},
            "exp": {"essential": True},
        },
    )
    claims.validate(now=int(time.time()), leeway=5)
    return dict(claims)


@pytest.fixture(scope="module")
def metadata(oidc_provider: OidcProvider) -> dict:
    return oidc_provider.metadata()


def test_discovery(oidc_provider: OidcProvider, metadata: dict) -> None:
    assert oidc_provider.discovery_url == oidc_provider.issuer + "/.well-known/openid-configuration"
    assert oidc_provider.issuer.startswith("http://127.0.0.1:")
    assert metadata["issuer"] == oidc_provider.issuer
    endpoints = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "end_session_endpoint")
    for endpoint in endpoints:
        assert metadata[endpoint].startswith(oidc_provider.issuer + "/"), endpoint
    assert {"openid", "email", "profile", "groups"} <= set(metadata["scopes_supported"])
    assert {"email", "email_verified", "name", "preferred_username", "groups"} <= set(metadata["claims_supported"])
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["response_types_supported"] == ["code"]
    assert {"client_secret_basic", "client_secret_post"} <= set(metadata["token_endpoint_auth_methods_supported"])


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
async def test_code_flow_with_pkce_gives_verified_id_token(
    oidc_provider: OidcProvider, metadata: dict, auth_method: str
) -> None:
    alice = oidc_provider.accounts["alice"]
    async with oauth_client(oidc_provider, token_endpoint_auth_method=auth_method) as client:
        token, nonce = await authorize(oidc_provider, client, metadata, "alice", alice.password)
        assert token["token_type"].lower() == "bearer"
        assert set(token["scope"].split()) == set(SCOPE.split())

        claims = await decode_id_token(oidc_provider, metadata, token["id_token"], nonce)
        assert claims["sub"] == "u-alice"
        assert claims["email"] == "alice@example.com"
        assert claims["email_verified"] is True
        assert claims["name"] == "Alice Admin"
        assert claims["preferred_username"] == "alice"
        assert claims["groups"] == ["aod-admins"]
        assert claims["nonce"] == nonce

        userinfo = (await client.get(metadata["userinfo_endpoint"])).raise_for_status().json()
        assert userinfo == alice.claims


async def test_login_by_email_and_other_accounts(oidc_provider: OidcProvider, metadata: dict) -> None:
    for account in DEFAULT_ACCOUNTS:
        async with oauth_client(oidc_provider, redirect_uri="http://127.0.0.1:9/auth/callback") as client:
            token, nonce = await authorize(oidc_provider, client, metadata, account.email.upper(), account.password)
            claims = await decode_id_token(oidc_provider, metadata, token["id_token"], nonce)
            assert {key: claims[key] for key in account.claims} == account.claims


async def test_wrong_password_is_refused(oidc_provider: OidcProvider, metadata: dict) -> None:
    async with oauth_client(oidc_provider) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=generate_token(48), nonce=generate_token(20)
        )
    with pytest.raises(OidcLoginError) as refused:
        await oidc_provider.alogin(url, "alice", "secret-bob")
    assert refused.value.status_code == 401
    assert "Invalid username or password." in refused.value.text
    with pytest.raises(OidcLoginError):
        await oidc_provider.alogin(url, "nobody@example.com", "secret-nobody")


def test_login_page_form(oidc_provider: OidcProvider, metadata: dict) -> None:
    """What a browser sees: the field names and the button text that the Playwright tests rely on."""
    url = endpoint_url(
        metadata,
        "authorization_endpoint",
        client_id=oidc_provider.client_id,
        response_type="code",
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
    )
    with httpx.Client(follow_redirects=True) as http:
        page = http.get(url)
    assert page.status_code == 200
    assert urlsplit(str(page.url)).path.startswith("/interaction/")
    assert 'name="login"' in page.text
    assert 'name="password" type="password"' in page.text
    assert '<button type="submit">Sign in</button>' in page.text
    assert "<script" not in page.text


async def test_cancel_returns_access_denied(oidc_provider: OidcProvider, metadata: dict) -> None:
    url = endpoint_url(
        metadata,
        "authorization_endpoint",
        client_id=oidc_provider.client_id,
        response_type="code",
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        state="st-1",
    )
    async with httpx.AsyncClient(follow_redirects=True) as http:
        page = await http.get(url)
        abort = await http.post(str(page.url) + "/abort", follow_redirects=False)
        assert abort.is_redirect
        callback = (await http.get(abort.headers["location"], follow_redirects=False)).headers["location"]
    assert callback.startswith(REDIRECT_URI)
    assert query(callback)["error"] == "access_denied"
    assert query(callback)["state"] == "st-1"


async def test_pkce_verifier_is_checked(oidc_provider: OidcProvider, metadata: dict) -> None:
    async with oauth_client(oidc_provider) as client:
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=generate_token(48), nonce=generate_token(20)
        )
        callback = await oidc_provider.alogin(url, "bob", "secret-bob")
        with pytest.raises(Exception, match="invalid_grant"):
            await client.fetch_token(
                metadata["token_endpoint"],
                authorization_response=callback,
                code_verifier=generate_token(48),
                state=state,
            )


async def test_unregistered_redirect_uri_is_refused(oidc_provider: OidcProvider, metadata: dict) -> None:
    for bad in ("http://127.0.0.1:8765/other", "http://192.0.2.1:8765/auth/callback"):
        url = endpoint_url(
            metadata,
            "authorization_endpoint",
            client_id=oidc_provider.client_id,
            response_type="code",
            scope=SCOPE,
            redirect_uri=bad,
        )
        with pytest.raises(OidcFlowError, match="redirect_uri did not match any of the client's registered") as error:
            await oidc_provider.alogin(url, "alice", "secret-alice")
        assert error.value.status_code == 400


async def test_rp_initiated_logout(oidc_provider: OidcProvider, metadata: dict) -> None:
    assert metadata["end_session_endpoint"] == oidc_provider.issuer + "/session/end"
    async with oauth_client(oidc_provider) as client, httpx.AsyncClient(timeout=10) as browser:
        verifier, nonce = generate_token(48), generate_token(20)
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        callback = await oidc_provider.alogin(url, "bob", "secret-bob", client=browser)
        token = await client.fetch_token(
            metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier, state=state
        )

        # The provider session is remembered: a second authorization needs no password.
        again, _ = client.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
        assert "code" in query(await oidc_provider.afollow(again, client=browser))

        logout = endpoint_url(
            metadata,
            "end_session_endpoint",
            id_token_hint=token["id_token"],
            post_logout_redirect_uri="http://127.0.0.1:8765/login",
            state="bye",
        )
        page = await browser.get(logout)
        assert 'id="op.logoutForm"' in page.text
        assert "Yes, sign me out" in page.text
        done = await oidc_provider.afollow(logout, client=browser)
        assert done == "http://127.0.0.1:8765/login?state=bye"

        # Signed out: the next authorization asks for the password again.
        with pytest.raises(OidcFlowError, match="asks for a login"):
            await oidc_provider.afollow(again, client=browser)


def test_exact_redirect_uris_and_required_pkce() -> None:
    """A provider of one's own: exact redirect URIs (no port wildcard), PKCE required, custom client."""
    with start_oidc_provider(
        "my-client",
        "my-secret",
        ["http://127.0.0.1:5001/auth/callback"],
        ["http://127.0.0.1:5001/"],
        require_pkce=True,
    ) as oidc:
        metadata = oidc.metadata()
        base = {"client_id": "my-client", "response_type": "code", "scope": "openid"}
        other_port = {**base, "redirect_uri": "http://127.0.0.1:5002/auth/callback"}
        with pytest.raises(OidcFlowError, match="redirect_uri did not match"):
            oidc.login(metadata["authorization_endpoint"] + "?" + urlencode(other_port), "bob", "secret-bob")
        no_pkce = {**base, "redirect_uri": "http://127.0.0.1:5001/auth/callback"}
        refused = query(oidc.login(metadata["authorization_endpoint"] + "?" + urlencode(no_pkce), "bob", "secret-bob"))
        assert refused["error"] == "invalid_request"
        assert "PKCE" in refused["error_description"]
        process = oidc.process
    assert process.returncode == 0, "SIGTERM ends the provider cleanly"
