"""A real OpenID Connect provider for tests, on loopback.

The provider is panva's certified ``oidc-provider`` (Node.js), run from ``tests/oidc/provider.mjs``.
This module starts it, waits for it, and drives its login and logout pages without a browser.

Main API::

    from tests.oidc.fixture import start_oidc_provider

    with start_oidc_provider(
        client_id="aod-ui-test",
        client_secret="s3cret",
        redirect_uris=["http://127.0.0.1:8123/auth/callback"],
        post_logout_redirect_uris=["http://127.0.0.1:8123/"],
    ) as oidc:
        oidc.issuer          # "http://127.0.0.1:40123"
        oidc.discovery_url   # issuer + "/.well-known/openid-configuration"
        oidc.accounts["alice"].password   # "secret-alice"
        callback_url = oidc.login(authorization_url, "alice", "secret-alice")

Redirect URIs are matched exactly, unless ``loopback_any_port=True``: then a registered
``http://127.0.0.1/auth/callback`` also matches ``http://127.0.0.1:<any port>/auth/callback`` (RFC 8252 7.3),
which suits a dashboard whose port is chosen after the provider starts.

The session-scoped pytest fixture ``oidc_provider`` (defined here, registered for ``tests/oidc`` by its
``conftest.py``) uses that mode with ``DEFAULT_CLIENT_ID`` / ``DEFAULT_CLIENT_SECRET``. To use it elsewhere, import
it into that directory's ``conftest.py``: ``from tests.oidc.fixture import oidc_provider  # noqa: F401``.

Login page (``GET /interaction/<uid>``): a form with the text input ``login`` (username or email), the password input
``password`` and the submit button "Sign in" (plus a second form whose button "Cancel" ends the flow with
``error=access_denied``). Wrong credentials re-render the form with HTTP 401 and "Invalid username or password.".
Consent is granted automatically. RP-initiated logout shows a page whose form ``op.logoutForm`` submits itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import secrets
import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from tools.npm import NpmError, ensure_installed

__all__ = [
    "DEFAULT_ACCOUNTS",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_POST_LOGOUT_REDIRECT_URIS",
    "DEFAULT_REDIRECT_URIS",
    "OidcAccount",
    "OidcFlowError",
    "OidcLoginError",
    "OidcProvider",
    "OidcProviderError",
    "ensure_node_modules",
    "oidc_provider",
    "start_oidc_provider",
]

OIDC_DIR = Path(__file__).resolve().parent
PROVIDER_SCRIPT = OIDC_DIR / "provider.mjs"

DEFAULT_CLIENT_ID = "aod-ui-test"
DEFAULT_CLIENT_SECRET = "aod-ui-test-secret-0123456789"
# Used with loopback_any_port=True: any port on 127.0.0.1 / localhost matches.
DEFAULT_REDIRECT_URIS = ("http://127.0.0.1/auth/callback", "http://localhost/auth/callback")
DEFAULT_POST_LOGOUT_REDIRECT_URIS = (
    "http://127.0.0.1/",
    "http://127.0.0.1/login",
    "http://localhost/",
    "http://localhost/login",
)


@dataclass(frozen=True)
class OidcAccount:
    """A test user of the provider. ``username`` or ``email`` is typed into the ``login`` field."""

    username: str
    password: str
    sub: str
    email: str
    name: str
    groups: tuple[str, ...] = ()
    email_verified: bool | str | None = True
    """Any JSON value the tests want the provider to send; ``None`` leaves the claim out."""
    preferred_username: str | None = ""
    """Default (empty): the username; ``None`` leaves the claim out."""

    @property
    def claims(self) -> dict[str, Any]:
        """The claims the provider releases for scopes ``openid email profile groups`` (``None`` ones left out)."""
        claims = {
            "sub": self.sub,
            "email": self.email,
            "email_verified": self.email_verified,
            "name": self.name,
            "preferred_username": self.username if self.preferred_username == "" else self.preferred_username,
            "groups": list(self.groups),
        }
        return {key: value for key, value in claims.items() if value is not None}

    def to_json(self) -> dict[str, Any]:
        claims = {
            "sub": self.sub,
            "email": self.email,
            "email_verified": self.email_verified,
            "name": self.name,
            "preferred_username": self.username if self.preferred_username == "" else self.preferred_username,
            "groups": list(self.groups),
        }
        return {"username": self.username, "password": self.password, **claims}


DEFAULT_ACCOUNTS: tuple[OidcAccount, ...] = (
    OidcAccount("alice", "secret-alice", "u-alice", "alice@example.com", "Alice Admin", ("aod-admins",)),
    OidcAccount("bob", "secret-bob", "u-bob", "bob@example.com", "Bob Developer", ("developers",)),
    OidcAccount("eve", "secret-eve", "u-eve", "eve@other.org", "Eve Outsider", ()),
    OidcAccount(
        "carol",
        "secret-carol",
        "u-carol",
        "carol@example.com",
        "Carol Unverified",
        ("aod-admins",),
        email_verified=False,
    ),
)


class OidcProviderError(RuntimeError):
    """The provider could not be installed or started."""


class OidcFlowError(RuntimeError):
    """A browser-less login or logout ended on a provider error page."""

    def __init__(self, message: str, status_code: int, url: str, text: str) -> None:
        super().__init__(f"{message} (HTTP {status_code} at {url}): {_page_text(text)[:500]}")
        self.status_code = status_code
        self.url = url
        self.text = text


class OidcLoginError(OidcFlowError):
    """The login form refused the credentials."""


# ---------------------------------------------------------------------------------------------------- installation


def _require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise OidcProviderError(
            f"`{name}` was not found on PATH; the OpenID Connect test provider needs Node.js >= 18 and npm "
            "(Debian: apt-get install nodejs npm)."
        )
    return path


def ensure_node_modules(timeout: float = 300.0) -> None:
    """Run ``npm ci`` in tests/oidc once if its node_modules is missing (safe across parallel processes)."""
    try:
        ensure_installed(OIDC_DIR, OIDC_DIR / "node_modules" / "oidc-provider" / "package.json",
                         needs="the OpenID Connect test provider", timeout=timeout)
    except NpmError as error:
        raise OidcProviderError(str(error)) from error


# ---------------------------------------------------------------------------------------------------- the process


@dataclass
class OidcProvider:
    """A running provider. Use as a context manager, or call :meth:`stop`."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    accounts: Mapping[str, OidcAccount]
    loopback_any_port: bool
    require_pkce: bool
    process: subprocess.Popen[str] = field(repr=False)
    control_token: str = field(default="", repr=False)
    _output: deque[str] = field(default_factory=lambda: deque(maxlen=200), repr=False)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def port(self) -> int:
        return int(self.issuer.rsplit(":", 1)[1])

    @property
    def output(self) -> str:
        """The provider's recent stdout and stderr lines (for diagnosing a failure)."""
        return "\n".join(self._output)

    def account(self, username_or_email: str) -> OidcAccount:
        key = username_or_email.lower()
        for account in self.accounts.values():
            if key in (account.username.lower(), account.email.lower()):
                return account
        raise KeyError(username_or_email)

    def change(self, username: str, **changes: Any) -> dict[str, Any]:
        """Change an account's claims or fields now (``groups``, ``email``, ``email_verified``, ``name``,
        ``preferred_username``, ``disabled``; ``None`` leaves a claim out), or add an account (with ``password`` and
        ``sub``). Needs ``control=True`` at start. Returns the claims the account now releases."""
        if not self.control_token:
            raise OidcProviderError("start the provider with control=True to change accounts")
        response = httpx.post(f"{self.issuer}/_test/accounts/{username}", json=changes,
                              headers={"x-control-token": self.control_token}, timeout=10)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def metadata(self) -> dict[str, Any]:
        """The discovery document."""
        response = httpx.get(self.discovery_url, timeout=10)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    # ---- browser-less flows

    def login(self, authorization_url: str, username: str, password: str, *, client: httpx.Client | None = None) -> str:
        """Drive an authorization request through the login form; return the redirect to the client.

        The returned URL is the client's redirect URI with ``code``, ``state`` and ``iss`` (or ``error``)
        in its query; it is not fetched. Pass ``client`` to keep the provider's session cookies (for a later
        silent login or logout). Raises :class:`OidcLoginError` when the credentials are refused.
        """
        return self._follow_sync(authorization_url, (username, password), client)

    async def alogin(
        self, authorization_url: str, username: str, password: str, *, client: httpx.AsyncClient | None = None
    ) -> str:
        """Async :meth:`login`."""
        return await self._follow_async(authorization_url, (username, password), client)

    def follow(self, url: str, *, client: httpx.Client | None = None) -> str:
        """Follow a provider URL (e.g. end_session, or an authorization request of a signed-in session),
        confirming a logout page, until it redirects away from the provider; return that URL.
        A flow that ends on a provider page (such as "Signed out") returns that page's URL."""
        return self._follow_sync(url, None, client)

    async def afollow(self, url: str, *, client: httpx.AsyncClient | None = None) -> str:
        """Async :meth:`follow`."""
        return await self._follow_async(url, None, client)

    def _follow_sync(self, url: str, credentials: tuple[str, str] | None, client: httpx.Client | None) -> str:
        with contextlib.ExitStack() as stack:
            if client is None:
                client = stack.enter_context(httpx.Client(timeout=10))
            request: tuple[str, str, dict[str, str] | None] = ("GET", url, None)
            for _ in range(_MAX_STEPS):
                method, target, data = request
                response = client.request(method, target, data=data, follow_redirects=False)
                step = self._next_step(response, credentials)
                if isinstance(step, str):
                    return step
                request = step
        raise OidcFlowError("too many steps", 0, url, "")

    async def _follow_async(
        self, url: str, credentials: tuple[str, str] | None, client: httpx.AsyncClient | None
    ) -> str:
        async with contextlib.AsyncExitStack() as stack:
            if client is None:
                client = await stack.enter_async_context(httpx.AsyncClient(timeout=10))
            request: tuple[str, str, dict[str, str] | None] = ("GET", url, None)
            for _ in range(_MAX_STEPS):
                method, target, data = request
                response = await client.request(method, target, data=data, follow_redirects=False)
                step = self._next_step(response, credentials)
                if isinstance(step, str):
                    return step
                request = step
        raise OidcFlowError("too many steps", 0, url, "")

    def _next_step(
        self, response: httpx.Response, credentials: tuple[str, str] | None
    ) -> str | tuple[str, str, dict[str, str] | None]:
        """Either the final URL, or the next request (method, url, form data)."""
        here = str(response.url)
        if response.is_redirect:
            location = urljoin(here, response.headers["location"])
            if not location.startswith(self.issuer + "/"):
                return location
            return ("GET", location, None)
        text = response.text
        if response.status_code == 401 and 'id="login-form"' in text:
            raise OidcLoginError("login refused", response.status_code, here, text)
        if response.status_code >= 400:
            raise OidcFlowError("provider error", response.status_code, here, text)
        if 'id="login-form"' in text:
            if credentials is None:
                raise OidcFlowError("the provider asks for a login but no credentials were given", 200, here, text)
            action = _form_action(text, "login-form")
            username, password = credentials
            return ("POST", urljoin(here, action), {"login": username, "password": password})
        if 'id="op.logoutForm"' in text:
            return ("POST", urljoin(here, _form_action(text, "op.logoutForm")), _hidden_inputs(text, "op.logoutForm"))
        if "<form" in text and 'method="post"' in text and "document.forms[0].submit()" in text:
            # oidc-provider's auto-submitting form_post page (e.g. logout without a signed-in session).
            return ("POST", urljoin(here, _form_action(text, None)), _hidden_inputs(text, None))
        return here

    # ---- lifecycle

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()

    def __enter__(self) -> OidcProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


_MAX_STEPS = 20


def _form_html(text: str, form_id: str | None) -> str:
    if form_id is None:
        match = re.search(r"<form\b.*?</form>", text, re.S | re.I)
    else:
        match = re.search(r'<form\b[^>]*\bid="' + re.escape(form_id) + r'".*?</form>', text, re.S | re.I)
    if match is None:
        raise OidcFlowError(f"form {form_id!r} not found", 200, "", text)
    return match.group(0)


def _form_action(text: str, form_id: str | None) -> str:
    match = re.search(r'\baction="([^"]*)"', _form_html(text, form_id))
    if match is None:
        raise OidcFlowError(f"form {form_id!r} has no action", 200, "", text)
    return unescape(match.group(1))


def _hidden_inputs(text: str, form_id: str | None) -> dict[str, str]:
    data: dict[str, str] = {}
    for tag in re.findall(r"<input\b[^>]*>", _form_html(text, form_id), re.I):
        name = re.search(r'\bname="([^"]*)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if name:
            data[unescape(name.group(1))] = unescape(value.group(1)) if value else ""
    return data


def _page_text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S))).split())


def _pump(stream: Any, sink: queue.Queue[str | None], keep: deque[str]) -> None:
    try:
        for line in stream:
            line = line.rstrip("\n")
            keep.append(line)
            sink.put(line)
    except (OSError, ValueError):
        pass
    finally:
        sink.put(None)


def start_oidc_provider(
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
    redirect_uris: Sequence[str] = DEFAULT_REDIRECT_URIS,
    post_logout_redirect_uris: Sequence[str] = (),
    *,
    accounts: Sequence[OidcAccount] = DEFAULT_ACCOUNTS,
    loopback_any_port: bool = False,
    require_pkce: bool = False,
    id_token_alg: str = "RS256",
    control: bool = False,
    port: int = 0,
    timeout: float = 20.0,
) -> OidcProvider:
    """Start the provider with one confidential client and return it once it serves requests.

    The client authenticates with ``client_secret_basic`` (``client_secret_post`` is accepted too), uses the
    authorization code flow (PKCE S256 optional, or required with ``require_pkce``) and may ask for the scopes
    ``openid email profile groups`` (and ``offline_access``). ``port=0`` picks a free port. The result is a
    context manager that stops the provider on exit. ``id_token_alg`` is how ID tokens are signed (``RS256``; also
    ``none`` or ``HS256``, then advertised too). ``control=True`` enables :meth:`OidcProvider.change`.
    """
    if isinstance(redirect_uris, str) or isinstance(post_logout_redirect_uris, str):
        raise TypeError("redirect_uris and post_logout_redirect_uris are lists of URLs")
    ensure_node_modules()
    node = _require_tool("node")
    control_token = secrets.token_urlsafe(24) if control else ""
    env = {
        **os.environ,
        "OIDC_HOST": "127.0.0.1",
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": client_secret,
        "OIDC_REDIRECT_URIS": json.dumps(list(redirect_uris)),
        "OIDC_POST_LOGOUT_REDIRECT_URIS": json.dumps(list(post_logout_redirect_uris)),
        "OIDC_LOOPBACK_ANY_PORT": "1" if loopback_any_port else "0",
        "OIDC_REQUIRE_PKCE": "1" if require_pkce else "0",
        "OIDC_ACCOUNTS": json.dumps([account.to_json() for account in accounts]),
        "OIDC_ID_TOKEN_ALG": id_token_alg,
        "OIDC_CONTROL_TOKEN": control_token,
        "NO_COLOR": "1",
    }
    env.pop("DEBUG", None)  # oidc-provider's debug logging is noisy
    process = subprocess.Popen(
        [node, str(PROVIDER_SCRIPT), str(port)],
        cwd=OIDC_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    keep: deque[str] = deque(maxlen=200)
    lines: queue.Queue[str | None] = queue.Queue()
    errors: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines, keep), daemon=True, name="oidc-stdout").start()
    threading.Thread(target=_pump, args=(process.stderr, errors, keep), daemon=True, name="oidc-stderr").start()

    deadline = time.monotonic() + timeout
    issuer = None
    try:
        while issuer is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise OidcProviderError(f"the OpenID provider did not start within {timeout:.0f} s")
            try:
                line = lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if line is None:
                process.wait(5)
                raise OidcProviderError(f"the OpenID provider exited with code {process.returncode} before READY")
            if line.startswith("READY "):
                issuer = line.split(" ", 1)[1].strip()
    except BaseException as exc:
        if process.poll() is None:
            process.kill()
            process.wait(5)
        if isinstance(exc, OidcProviderError):
            time.sleep(0.05)  # let the pumps collect the last lines
            raise OidcProviderError(f"{exc}\n--- provider output ---\n" + "\n".join(keep)) from None
        raise

    return OidcProvider(
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uris=tuple(redirect_uris),
        post_logout_redirect_uris=tuple(post_logout_redirect_uris),
        accounts={account.username: account for account in accounts},
        loopback_any_port=loopback_any_port,
        require_pkce=require_pkce,
        process=process,
        control_token=control_token,
        _output=keep,
    )


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcProvider]:
    """A provider for the whole session: client ``DEFAULT_CLIENT_ID`` / ``DEFAULT_CLIENT_SECRET``; redirect URI
    ``http://127.0.0.1:<any port>/auth/callback``; post-logout URIs ``/`` and ``/login`` on any loopback port."""
    with start_oidc_provider(
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        DEFAULT_REDIRECT_URIS,
        DEFAULT_POST_LOGOUT_REDIRECT_URIS,
        loopback_any_port=True,
    ) as provider:
        yield provider
