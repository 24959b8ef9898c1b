"""Personal access tokens for the HTTP API: made, listed and revoked by their owners, revoked by admins, and turned
into a person at every request.

A token is `aodui_pat_` and 43 random URL-safe characters (256 bits), so it is recognisable in a leaked file and
cannot be guessed. Only its SHA-256 digest is kept, with its first characters to tell tokens apart. A token acts
with its person's role as it is at that moment: a changed role applies to the next request, and a disabled or
removed person's tokens stop at once. Every request is limited per token (`TokenBucket`).
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from nicegui import Event

from storage import SCOPES, ApiToken, Store, run_io

from ..errors import ActionError, NotAllowed
from ._policy import Actor, is_admin

__all__ = ['SCOPES', 'TOKEN_PREFIX', 'ApiCaller', 'ApiTokenService', 'TokenBucket', 'TokenRefused', 'digest']

log = logging.getLogger(__name__)
TOKEN_PREFIX = 'aodui_pat_'
LAST_USED_STEP = 60.0
"""Seconds between two writes of a token's last use: a busy script must not rewrite the people's file per request."""


def digest(token: str) -> str:
    """The SHA-256 of a token, hex: what is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokenRefused(NotAllowed):
    """The API request's token does not let anyone in (missing, unknown, expired, revoked, or its person disabled)."""


@dataclass(frozen=True)
class ApiCaller:
    """The person behind an API request, as they are right now, and the token they sent."""

    actor: Actor
    token: ApiToken

    def may(self, scope: str) -> bool:
        return scope in self.token.scopes


class TokenBucket:
    """At most `per_minute` requests a minute per key, in bursts of up to `per_minute`; `clock` is injectable."""

    def __init__(self, per_minute: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """Spend one request of `key`; returns 0 when it may go ahead, else the seconds until it may (nothing spent)."""
        now = self.clock()
        rate = self.per_minute / 60.0
        level, then = self._buckets.get(key, (self.per_minute, now))
        level = min(self.per_minute, level + (now - then) * rate)
        if level < 1.0:
            self._buckets[key] = (level, now)
            return (1.0 - level) / rate
        self._buckets[key] = (level - 1.0, now)
        return 0.0

    def forget(self, key: str) -> None:
        self._buckets.pop(key, None)


class ApiTokenService:
    """The rules for personal access tokens."""

    def __init__(self, store: Store, actor_of: Callable[[str], Actor | None], *, max_days: float = 365.0,
                 rate_per_minute: float = 120.0, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._actor_of = actor_of
        self.max_days = max_days
        self.clock = clock
        self.limiter = TokenBucket(rate_per_minute)
        self.changed = Event[str]()
        """Fired with a token's id after it was made or revoked: live API followers re-check their token."""

    # -- owners and admins --------------------------------------------------------------------------------------

    async def create(self, actor: Actor, name: str, scopes: Iterable[str], days: float) -> tuple[ApiToken, str]:
        """Make a token for `actor`; returns it and the token itself, which is never shown again."""
        name = name.strip()
        if not name:
            raise ActionError('Give the token a name, for example the script or CI job that will use it.')
        if len(name) > 80:
            raise ActionError('A token name has at most 80 characters.')
        chosen = tuple(scope for scope in SCOPES if scope in set(scopes))
        if not chosen:
            raise ActionError(f'Choose at least one scope: {", ".join(SCOPES)}.')
        if not 0 < days <= self.max_days:
            raise ActionError(f'A token lasts from 1 to {self.max_days:g} days.')
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock()
        token = ApiToken(id=secrets.token_hex(8), owner=actor.username, name=name, digest=digest(secret),
                         prefix=secret[:len(TOKEN_PREFIX) + 4] + '…', scopes=chosen, created_at=now,
                         expires_at=now + days * 86400)
        await run_io(self.store.api_tokens.add, token)
        await self._audit(actor, 'create api token', token, f'{", ".join(chosen)}, {days:g} days')
        self.changed.emit(token.id)
        return token, secret

    def mine(self, actor: Actor) -> list[ApiToken]:
        """The person's own tokens, newest first."""
        return sorted(self.store.api_tokens.of(actor.username), key=lambda t: t.created_at, reverse=True)

    def everyone(self, actor: Actor) -> list[ApiToken]:
        """Every token (admins only), newest first."""
        if not is_admin(actor):
            raise NotAllowed("Only admins may see other people's tokens.")
        return sorted(self.store.api_tokens.all(), key=lambda t: t.created_at, reverse=True)

    async def revoke(self, actor: Actor, token_id: str) -> ApiToken:
        """Revoke a token: its owner may, and admins may revoke anyone's. It stops working at once."""
        token = self.store.api_tokens.get(token_id)
        if token is None or (token.owner != actor.username and not is_admin(actor)):
            raise NotAllowed('No such token: it may have been removed, or it is not yours.')
        if token.revoked_at is None:
            token = await run_io(self.store.api_tokens.update, token.id, revoked_at=self.clock(),
                                 revoked_by=actor.username) or token
            self.limiter.forget(token.id)
            await self._audit(actor, 'revoke api token', token, f'of {token.owner}')
        self.changed.emit(token.id)
        return token

    # -- requests -----------------------------------------------------------------------------------------------

    def caller(self, secret: str) -> ApiCaller:
        """The person and token behind a request's token, as they are now.

        :raises TokenRefused: with a sentence saying why, when the token lets nobody in
        """
        if not secret.startswith(TOKEN_PREFIX):
            raise TokenRefused(f'This is not a dashboard token: they start with {TOKEN_PREFIX}. '
                               'Create one under Tokens in the dashboard.')
        token = self.store.api_tokens.by_digest(digest(secret))
        if token is None:
            raise TokenRefused('This token is not known here: it may have been removed. Create a new one under Tokens.')
        return self._checked(token)

    def still_valid(self, caller: ApiCaller) -> ApiCaller:
        """The same caller looked up again (for a long request, such as following events).

        :raises TokenRefused: when the token or its person no longer lets anyone in
        """
        token = self.store.api_tokens.get(caller.token.id)
        if token is None:
            raise TokenRefused('This token is not known here: it may have been removed. Create a new one under Tokens.')
        return self._checked(token)

    def _checked(self, token: ApiToken) -> ApiCaller:
        if token.revoked_at is not None:
            raise TokenRefused('This token was revoked. Create a new one under Tokens.')
        if token.expires_at is not None and self.clock() >= token.expires_at:
            raise TokenRefused('This token has expired. Create a new one under Tokens.')
        actor = self._actor_of(token.owner)
        person = self.store.users.get(token.owner)
        if actor is None or (person is not None and person.created_at > token.created_at):
            # (a token older than its person's account was made for someone removed since, whose name was reused)
            raise TokenRefused('The person this token belongs to is disabled or removed, so it no longer works. '
                               'Ask an admin.')
        via = f'api token {token.name} ({token.prefix})'
        return ApiCaller(Actor(username=actor.username, role=actor.role, display_name=actor.display_name, via=via),
                         token)

    def retry_after(self, caller: ApiCaller) -> int:
        """Spend one request of the caller's token: 0 when it may go ahead, else whole seconds to wait."""
        wait = self.limiter.take(caller.token.id)
        return math.ceil(wait) if wait > 0 else 0

    async def used(self, caller: ApiCaller) -> None:
        """Note that the token was used now (written at most once a minute per token)."""
        now = self.clock()
        last = caller.token.last_used_at
        if last is None or now - last >= LAST_USED_STEP:
            await run_io(self.store.api_tokens.update, caller.token.id, last_used_at=now)

    async def _audit(self, actor: Actor, action: str, token: ApiToken, detail: str) -> None:
        await run_io(self.store.audit.append, actor.username, action, outcome='ok',  # type: ignore[arg-type]
                     target=token.owner, detail=f'{token.name} ({token.prefix}): {detail}')
