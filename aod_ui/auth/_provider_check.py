"""Asking the identity provider again, on a schedule, about the people signed in through it.

At each sign-in the provider's tokens are kept in memory, by identity (issuer, subject). Every
`AOD_UI_OIDC_RECHECK_SECONDS` the userinfo endpoint is asked again with the access token, renewed with the refresh
token when it has run out; the answer goes through the same rules as a sign-in (`PeopleService.recheck_oidc`). When
the provider no longer answers for the person (the token is refused, the refresh is refused, or the access token ran
out and there is no refresh token) their sign-ins end. A provider that cannot be reached changes nothing: the next
round asks again.

Tokens are never written to disk, so after a restart nobody's provider sign-in can be re-checked: the first round
ends those sign-ins (people sign in again through the provider, usually without typing anything).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from ..services import OidcPolicy, PeopleService

__all__ = ['HeldTokens', 'ProviderCheck']

log = logging.getLogger(__name__)


@dataclass
class HeldTokens:
    """The provider's tokens for one identity's latest sign-in."""

    token: dict[str, Any]
    since: float


class ProviderCheck:
    """Holds provider tokens by identity and re-checks the people they belong to."""

    def __init__(self, people: PeopleService, policy: OidcPolicy, *, client_id: str, client_secret: str,
                 metadata: Callable[[], Awaitable[dict]], session_hours: float, timeout: float = 10.0) -> None:
        self.people = people
        self.policy = policy
        self._client_id = client_id
        self._client_secret = client_secret
        self._metadata = metadata
        self._session_seconds = session_hours * 3600
        self._timeout = timeout
        self._held: dict[tuple[str, str], HeldTokens] = {}
        self._started = time.time()
        self._first_round = True

    def hold(self, issuer: str, subject: str, token: dict[str, Any]) -> None:
        self._held[(issuer, subject)] = HeldTokens(dict(token), time.time())

    def drop(self, issuer: str, subject: str) -> None:
        self._held.pop((issuer, subject), None)

    def id_token(self, username: str) -> str | None:
        """The latest ID token of this person (a hint for the provider's sign-out)."""
        user = self.people.store.users.get(username)
        held = self._held.get(user.identity) if user is not None and user.identity else None
        return held.token.get('id_token') if held is not None else None

    async def run(self, interval: float) -> None:
        """Re-check everyone every `interval` seconds, until cancelled."""
        while True:
            try:
                await self.round()
            except Exception:  # one bad round must not stop the schedule
                log.exception('re-checking provider sign-ins failed')
            await asyncio.sleep(interval)

    async def round(self) -> None:
        """One pass over every held identity (and, the first time, over sign-ins from before a restart)."""
        if self._first_round:
            self._first_round = False
            await self._end_unheld()
        now = time.time()
        for identity, held in list(self._held.items()):
            if now - held.since > self._session_seconds:
                self._held.pop(identity, None)  # that sign-in has expired anyway
                continue
            await self._check(identity, held)

    async def _end_unheld(self) -> None:
        horizon = time.time() - self._session_seconds
        for user in self.people.store.users.all():
            if user.identity is None or user.identity in self._held or not user.last_login_at:
                continue
            if user.last_login_at > max(horizon, user.sign_ins_ended_at or 0.0) and user.last_login_at < self._started:
                await self.people.end_sign_ins(user.username, 'the dashboard restarted and cannot re-check this '
                                                              'provider sign-in')

    async def _check(self, identity: tuple[str, str], held: HeldTokens) -> None:
        user = self.people.store.users.by_identity(*identity)
        if user is None:
            self._held.pop(identity, None)
            return
        try:
            metadata = await self._metadata()
            token = await self._fresh(held, metadata)
            if token is None:
                await self._withdrawn(identity, user.username, 'the provider\'s sign-in ran out and it gave no '
                                                               'refresh token to renew it')
                return
            async with httpx.AsyncClient(timeout=self._timeout) as http:
                response = await http.get(metadata['userinfo_endpoint'],
                                          headers={'Authorization': f'Bearer {token["access_token"]}'})
        except OAuthError as error:  # the refresh was refused: revoked, expired, or the account is gone
            await self._withdrawn(identity, user.username, f'the provider refused to renew the sign-in '
                                                           f'({error.error})')
            return
        except (httpx.HTTPError, KeyError, ValueError) as error:
            log.warning('identity provider not reachable to re-check %s: %s', user.username, type(error).__name__)
            return
        if response.status_code in {400, 401, 403}:
            await self._withdrawn(identity, user.username, f'the provider refused the access token '
                                                           f'(HTTP {response.status_code})')
            return
        if response.status_code != 200:
            log.warning('identity provider answered HTTP %s to re-check %s', response.status_code, user.username)
            return
        try:
            claims = response.json()
        except ValueError:
            log.warning('identity provider sent an unreadable userinfo answer for %s', user.username)
            return
        if not isinstance(claims, dict) or await self.people.recheck_oidc(user.username, claims, self.policy,
                                                                          identity[0]) is None:
            self._held.pop(identity, None)

    async def _fresh(self, held: HeldTokens, metadata: dict) -> dict[str, Any] | None:
        """An access token that has not run out (renewed if needed), or None when it cannot be renewed."""
        token = held.token
        expires_at = token.get('expires_at')
        if not isinstance(expires_at, int | float) or expires_at - 30 > time.time():
            return token
        refresh = token.get('refresh_token')
        if not refresh:
            return None
        async with AsyncOAuth2Client(client_id=self._client_id, client_secret=self._client_secret,
                                     timeout=self._timeout) as client:
            renewed = dict(await client.refresh_token(metadata['token_endpoint'], refresh_token=refresh))
        renewed.setdefault('refresh_token', refresh)
        renewed.setdefault('id_token', token.get('id_token'))
        held.token = renewed
        return renewed

    async def _withdrawn(self, identity: tuple[str, str], username: str, reason: str) -> None:
        # the provider no longer answers for this sign-in (which says nothing yet about the person's groups): it
        # ends; the next sign-in is judged afresh
        self._held.pop(identity, None)
        await self.people.end_sign_ins(username, reason)
