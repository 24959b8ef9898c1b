"""Per-person AoD tokens: kept encrypted (Fernet) in the person's record, checked against AoD before saving, shown
only by their first characters, and marked broken (for that person alone) when AoD answers 401.

`Upstreams` decides which AoD client serves a request: with the shared token mode, always the one service client;
with per-person tokens, a session's owner's client (another person's token answers 404 for it), the acting
person's client for a launch, and all of them merged for the list.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken

from storage import Store, run_io

from ..errors import ActionError, ConfigError, NotAllowed, UpstreamError
from ..upstream import Upstream
from ._policy import Actor, is_admin

__all__ = ['TokenInfo', 'TokenService', 'TokenVault', 'Upstreams', 'token_prefix']

log = logging.getLogger(__name__)
FIELD = 'aod_token'


def token_prefix(token: str) -> str:
    """The first characters of a token, as AoD shows its keys: enough to tell tokens apart, useless to an attacker."""
    return token[:8] + '…'


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a stored token."""

    prefix: str
    set_at: float
    set_by: str
    broken: bool = False
    broken_reason: str = ''


class TokenVault:
    """Encrypts, stores and reads the per-person tokens."""

    def __init__(self, store: Store, key: str) -> None:
        self.store = store
        try:
            self._fernet = Fernet(key.encode() if isinstance(key, str) else key)
        except (ValueError, TypeError):
            raise ConfigError('AOD_UI_TOKEN_KEY is not a valid key. Generate one with: python -c "from cryptography.'
                              'fernet import Fernet; print(Fernet.generate_key().decode())"') from None

    def info(self, username: str) -> TokenInfo | None:
        user = self.store.users.get(username)
        data = user.extra.get(FIELD) if user is not None else None
        if not data:
            return None
        return TokenInfo(prefix=data['prefix'], set_at=data['set_at'], set_by=data.get('set_by', ''),
                         broken=bool(data.get('broken')), broken_reason=data.get('broken_reason', ''))

    def token(self, username: str) -> str | None:
        """The person's token in clear, for calling AoD; None when they have none (or it cannot be read)."""
        user = self.store.users.get(username)
        data = user.extra.get(FIELD) if user is not None else None
        if not data:
            return None
        try:
            return self._fernet.decrypt(data['ciphertext'].encode()).decode()
        except InvalidToken:
            log.error('the stored AoD token of %s cannot be decrypted with AOD_UI_TOKEN_KEY', username)
            return None

    async def save(self, username: str, token: str, by: str) -> TokenInfo:
        user = self.store.users.get(username)
        if user is None:
            raise ActionError(f'There is no person called {username}.')
        data = {'ciphertext': self._fernet.encrypt(token.encode()).decode(), 'prefix': token_prefix(token),
                'set_at': time.time(), 'set_by': by, 'broken': False}
        await run_io(self.store.users.update, user.username, extra={**user.extra, FIELD: data})
        return TokenInfo(prefix=token_prefix(token), set_at=float(data['set_at']), set_by=by)  # type: ignore[arg-type]

    async def remove(self, username: str) -> bool:
        user = self.store.users.get(username)
        if user is None or FIELD not in user.extra:
            return False
        extra = {k: v for k, v in user.extra.items() if k != FIELD}
        await run_io(self.store.users.update, user.username, extra=extra)
        return True

    async def mark_broken(self, username: str, reason: str) -> None:
        user = self.store.users.get(username)
        data = user.extra.get(FIELD) if user is not None else None
        if user is None or not data or data.get('broken'):
            return
        await run_io(self.store.users.update, user.username,
                     extra={**user.extra, FIELD: {**data, 'broken': True, 'broken_reason': reason,
                                                  'broken_at': time.time()}})

    def rotate(self, new_key: str) -> int:
        """Re-encrypt every stored token under `new_key`; returns how many. Every token is decrypted first, so a
        wrong current key changes nothing. Run while the dashboard is stopped, then set AOD_UI_TOKEN_KEY."""
        new = TokenVault(self.store, new_key)
        rotated: list[tuple[str, dict]] = []
        for user in self.store.users.all():
            data = user.extra.get(FIELD)
            if not data:
                continue
            try:
                clear = self._fernet.decrypt(data['ciphertext'].encode())
            except InvalidToken:
                raise ConfigError(f'The token of {user.username} cannot be decrypted with the current '
                                  'AOD_UI_TOKEN_KEY; nothing was changed.') from None
            rotated.append((user.username, {**user.extra, FIELD: {**data, 'ciphertext': new._fernet.encrypt(
                clear).decode()}}))
        for username, extra in rotated:
            self.store.users.update(username, extra=extra)
        return len(rotated)


class Upstreams:
    """Hands out the AoD client for an action, a session, or the merged list."""

    def __init__(self, shared: Upstream | None, *, vault: TokenVault | None = None, store: Store | None = None,
                 make: Callable[[str], Upstream] | None = None, fallback: str = 'refuse') -> None:
        self.shared = shared
        self.vault = vault
        self.store = store
        self._make = make
        self.fallback = fallback
        self._clients: dict[str, Upstream] = {}  # by a hash of the token, never by the token itself

    @property
    def per_person(self) -> bool:
        return self.vault is not None

    def _client(self, username: str) -> Upstream | None:
        assert self.vault is not None and self._make is not None
        info = self.vault.info(username)
        token = self.vault.token(username) if info is not None and not info.broken else None
        if token is None:
            return None
        key = hashlib.sha256(token.encode()).hexdigest()
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = self._make(token)
            client.owner = username
            client.on_auth_error = lambda: self._broken(username)
        return client

    def _broken(self, username: str) -> None:
        if self.vault is not None:
            task = asyncio.get_running_loop().create_task(self.vault.mark_broken(
                username, 'AoD answered 401: the token was revoked, expired or deactivated.'))
            task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)

    def for_actor(self, actor: Actor) -> Upstream:
        """The client a person's own new session goes through."""
        if not self.per_person:
            assert self.shared is not None
            return self.shared
        client = self._client(actor.username)
        if client is not None:
            return client
        info = self.vault.info(actor.username) if self.vault else None
        if self.fallback == 'shared' and self.shared is not None:
            return self.shared
        if info is not None and info.broken:
            raise NotAllowed('AoD refused your personal token (revoked or expired). Ask an admin to set a new one.')
        raise NotAllowed('You have no AoD token on this dashboard yet. Ask an admin to set one for you.')

    def for_owner(self, owner: str | None) -> Upstream:
        """The client that can see a session: its owner's (per-person mode), else the shared one."""
        if self.per_person and owner:
            client = self._client(owner)
            if client is not None:
                return client
        if self.shared is None:
            raise UpstreamError('not_found', 'No AoD token can reach this session: its owner has no working token.')
        return self.shared

    def for_session(self, session_id: str) -> Upstream:
        record = self.store.sessions.get(session_id) if self.store is not None else None
        return self.for_owner(record.owner if record is not None else None)

    def every(self) -> list[Upstream]:
        """Every client whose sessions the list merges: the shared one and each person's working token."""
        clients = [self.shared] if self.shared is not None else []
        if self.per_person and self.store is not None:
            for user in self.store.users.all():
                client = self._client(user.username) if not user.disabled else None
                if client is not None and client not in clients:
                    clients.append(client)
        return clients

    async def check_token(self, token: str) -> None:
        """Refuse a token AoD does not accept (checked with `GET /sessions`)."""
        assert self._make is not None
        probe = self._make(token)
        try:
            await probe.list_sessions()
        except UpstreamError as error:
            if error.kind == 'auth':
                raise ActionError('AoD refused this token (401): check that it is complete, active and not '
                                  'expired.') from None
            raise ActionError(f'The token could not be checked: {error}') from None
        finally:
            await probe.aclose()

    async def aclose(self) -> None:
        for client in self._clients.values():
            with contextlib.suppress(Exception):
                await client.aclose()
        self._clients.clear()


class TokenService:
    """Setting and removing per-person tokens: admins for anyone, a person for themselves when allowed."""

    def __init__(self, upstreams: Upstreams, store: Store, *, self_service: bool = False) -> None:
        self.upstreams = upstreams
        self.store = store
        self.self_service = self_service

    @property
    def enabled(self) -> bool:
        return self.upstreams.vault is not None

    def info(self, username: str) -> TokenInfo | None:
        return self.upstreams.vault.info(username) if self.upstreams.vault is not None else None

    def _check(self, actor: Actor, username: str) -> TokenVault:
        if self.upstreams.vault is None:
            raise ActionError('Per-person tokens are off (AOD_UI_TOKEN_MODE=shared).')
        if not is_admin(actor) and not (self.self_service and actor.username == username):
            raise NotAllowed('Only admins may manage another person\'s AoD token.')
        return self.upstreams.vault

    async def set(self, actor: Actor, username: str, token: str) -> TokenInfo:
        """Check the token against AoD, then store it encrypted."""
        vault = self._check(actor, username)
        token = token.strip()
        if not token.startswith('aod_') or len(token) < 12 or any(c.isspace() for c in token):
            raise ActionError('That does not look like an AoD token (they start with aod_).')
        await self.upstreams.check_token(token)
        info = await vault.save(username, token, actor.username)
        await run_io(self.store.audit.append, actor.username, 'set token', target=username,
                     detail=f'token {info.prefix}')
        return info

    async def remove(self, actor: Actor, username: str) -> None:
        vault = self._check(actor, username)
        if await vault.remove(username):
            await run_io(self.store.audit.append, actor.username, 'remove token', target=username)
