"""People: signing in (password, OpenID Connect claims, trusted proxy header), their roles, and their management.

Every sign-in attempt and every change to a person is written to the audit trail. `changed` fires after any change
to a person, so pages already open can re-check at once whether their person may still be there.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable

from nicegui import Event

from storage import Store, User, normalize_username, run_io

from ..errors import ActionError, FieldRefused, NotAllowed
from ._identity import OidcPolicy
from ._passwords import check_password_strength, hash_password, verify_password
from ._policy import ROLES, Actor, is_admin
from ._provider_accounts import ProviderAccounts

__all__ = ['LoginRefused', 'OidcPolicy', 'PeopleService', 'RateLimiter', 'shown_name']  # OidcPolicy: from ._identity

_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))  # verified against for unknown names, so timing tells nothing
MAX_NAME = 200
"""Longest username a sign-in attempt is looked up by; anything longer is refused without a lookup."""
MAX_PASSWORD = 1024
"""Longest password checked; a longer one is refused without running the slow hash on it."""


def shown_name(name: str) -> str:
    """A name typed by someone not signed in, as the audit trail records it: one line, at most 64 characters."""
    flat = ''.join(c if c.isprintable() else '?' for c in name) or '(empty)'
    return flat if len(flat) <= 64 else flat[:63] + '…'


def _limit_key(kind: str, value: str) -> str:
    """The rate limiter's key for a name or address: long ones are hashed, so each key is small."""
    return f'{kind}:{value}' if len(value) <= 64 else f'{kind}#' + hashlib.sha256(value.encode()).hexdigest()


class LoginRefused(NotAllowed):
    """A sign-in attempt that did not succeed; the message is safe to show."""


class RateLimiter:
    """Sign-in attempts per key (an account, an address) within a sliding window.

    An attempt takes its place in the window before its password is checked (`reserve`), so guesses sent at the
    same moment cannot all pass a check made before any of them failed; a successful one gives its place back.
    Keys are bounded in length and number, so names typed by anonymous people cannot grow memory without end."""

    MAX_KEYS = 10_000

    def __init__(self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._noted: dict[str, float] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and now - failures[0] > self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            self._noted.pop(key, None)
        return failures

    def blocked_for(self, key: str, now: float | None = None) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        now = self._clock() if now is None else now
        failures = self._recent(key, now)
        return self.window - (now - failures[0]) if len(failures) >= self.limit else 0.0

    def reserve(self, key: str, now: float | None = None) -> tuple[float, float]:
        """Take a place for an attempt now: returns (0, its time), or (seconds to wait, 0) when the key is full.
        There is no await between the check and the taking, so simultaneous attempts are counted one by one."""
        now = self._clock() if now is None else now
        wait = self.blocked_for(key, now)
        if wait > 0:
            return wait, 0.0
        if key not in self._failures and len(self._failures) >= self.MAX_KEYS:
            self._prune(now)
        self._failures.setdefault(key, deque()).append(now)
        return 0.0, now

    def release(self, key: str, at: float) -> None:
        """Give back the place an attempt took (it succeeded)."""
        failures = self._failures.get(key)
        if failures is not None:
            with contextlib.suppress(ValueError):
                failures.remove(at)
            if not failures:
                del self._failures[key]

    def first_refusal(self, key: str) -> bool:
        """Whether a refusal of `key` is the first since it became blocked (only that one is worth recording:
        an anonymous flood of refused attempts must not grow the audit trail)."""
        failures = self._failures.get(key)
        if not failures:
            return True
        if self._noted.get(key) == failures[0]:
            return False
        self._noted[key] = failures[0]
        return True

    def fail(self, key: str, now: float | None = None) -> None:
        self._failures.setdefault(key, deque()).append(self._clock() if now is None else now)

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)

    def _prune(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        while len(self._failures) >= self.MAX_KEYS:  # still full of live keys: the oldest go first
            oldest = min(self._failures, key=lambda k: self._failures[k][-1])
            del self._failures[oldest]
            self._noted.pop(oldest, None)


class PeopleService(ProviderAccounts):
    """The rules for signing in and for managing people."""

    def __init__(self, store: Store, *, account_limit: int = 5, address_limit: int = 20,
                 window: float = 15 * 60, recheck_admin: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self._recheck_admin = recheck_admin
        self.by_account = RateLimiter(account_limit, window, clock=clock)
        self.by_address = RateLimiter(address_limit, window, clock=clock)
        self.changed = Event[str]()
        """Fired with a username after that person's rights changed: a new role, disabled, removed, linked to
        another identity, or their sign-ins ended (by the identity provider's word or an admin). Pages and live
        viewers of that person re-check with `actor` at once."""

    # -- who is this --------------------------------------------------------------------------------------------

    def actor(self, username: str | None, signed_in_at: float | None = None) -> Actor | None:
        """The person as they are right now; None when unknown or disabled. With `signed_in_at` (when that browser
        signed in), also None when that sign-in is over: their sign-ins were ended since, or the account is newer
        than the sign-in (a removed name taken again by someone else)."""
        if not username:
            return None
        user = self.store.users.get(username)
        if user is None or user.disabled:
            return None
        if signed_in_at is not None and (signed_in_at < user.created_at or
                                         signed_in_at <= (user.sign_ins_ended_at or 0.0)):
            return None
        return Actor(username=user.username, role=user.role, display_name=user.display_name)

    def everyone(self) -> list[User]:
        return sorted(self.store.users.all(), key=lambda u: u.username)

    # -- signing in ---------------------------------------------------------------------------------------------

    async def login_local(self, username: str, password: str, address: str) -> Actor:
        """Check a password. Refusals say nothing about whether the account exists.

        The attempt is counted against the account and the address before the slow check starts, so a burst of
        simultaneous guesses gets no more checks than the limits allow."""
        name = normalize_username(username)
        shown = shown_name(name)
        account_key, address_key = _limit_key('user', name), _limit_key('addr', address)
        wait_account, at_account = self.by_account.reserve(account_key)
        wait_address, at_address = (0.0, 0.0) if wait_account else self.by_address.reserve(address_key)
        if wait_account or wait_address:
            if at_account:
                self.by_account.release(account_key, at_account)
            limiter, key = (self.by_account, account_key) if wait_account else (self.by_address, address_key)
            if limiter.first_refusal(key):
                await self._audit(shown, 'login', 'denied', f'rate limited from now on, from {address}')
            wait = max(wait_account, wait_address)
            raise LoginRefused(f'Too many failed sign-ins. Try again in {max(1, round(wait / 60))} minute(s).')
        user = self.store.users.get(name) if name and len(name) <= MAX_NAME else None
        stored = user.password_hash if user is not None and user.auth_source == 'local' else ''
        ok = len(password) <= MAX_PASSWORD and await asyncio.to_thread(
            verify_password, password, stored or _DUMMY_HASH)
        if not ok or user is None or not stored or user.disabled:
            reason = 'disabled' if user is not None and user.disabled and ok else 'wrong name or password'
            await self._audit(shown, 'login', 'denied', f'{reason}, from {address}')
            raise LoginRefused('Wrong username or password.')
        self.by_account.clear(account_key)
        self.by_address.release(address_key, at_address)
        return await self._signed_in(user, f'password, from {address}')

    async def login_header(self, username: str, address: str, default_role: str) -> Actor:
        """Sign in the person a trusted proxy named in its header (created on first sight)."""
        name = normalize_username(username)
        if not name:
            raise LoginRefused('The sign-in proxy did not name a person.')
        user = self.store.users.get(name)
        if user is None:
            user = User(username=name, display_name=username.strip(), email=name if '@' in name else '',
                        role=default_role, auth_source='header')  # type: ignore[arg-type]
            await run_io(self.store.users.add, user)
        elif user.disabled:
            await self._audit(name, 'login', 'denied', f'account disabled, from {address}')
            raise LoginRefused('Your account is disabled. Ask an admin.')
        return await self._signed_in(user, f'proxy header, from {address}')

    async def _signed_in(self, user: User, how: str) -> Actor:
        await run_io(self.store.users.update, user.username, last_login_at=time.time())
        await self._audit(user.username, 'login', 'ok', how)
        return Actor(username=user.username, role=user.role, display_name=user.display_name)

    async def logout(self, actor: Actor) -> None:
        """Record a sign-out; pages open on that person re-check at once (`changed`)."""
        await self._audit(actor.username, 'logout', 'ok', '')
        self.changed.emit(actor.username)

    # -- managing people (admins) -------------------------------------------------------------------------------

    async def add_local(self, actor: Actor, username: str, password: str, role: str, *, display_name: str = '',
                        email: str = '') -> User:
        self._require_admin(actor)
        name = normalize_username(username)
        if not name or any(c.isspace() for c in name):
            raise FieldRefused('A username is needed, without spaces.', 'username')
        if role not in ROLES:
            raise FieldRefused(f'The role must be one of: {", ".join(ROLES)}.', 'role')
        if self.store.users.get(name) is not None:
            raise FieldRefused(f'There is already a person called {name}.', 'username')
        weak = check_password_strength(password, name)
        if weak:
            raise FieldRefused(weak, 'password')
        user = User(username=name, display_name=display_name or name, email=email, role=role,  # type: ignore[arg-type]
                    password_hash=await asyncio.to_thread(hash_password, password), auth_source='local')
        await run_io(self.store.users.add, user)
        await self._audit(actor.username, 'add person', 'ok', f'role {role}', target=name)
        return user

    async def set_role(self, actor: Actor, username: str, role: str) -> None:
        self._require_admin(actor)
        if role not in ROLES:
            raise ActionError(f'The role must be one of: {", ".join(ROLES)}.')
        user = self._existing(username)
        if user.role == 'admin' and role != 'admin':
            self._keep_an_admin(user.username)
        await run_io(self.store.users.update, user.username, role=role)
        await self._audit(actor.username, 'role change', 'ok', f'{user.role} → {role}', target=user.username)
        self.changed.emit(user.username)

    async def set_disabled(self, actor: Actor, username: str, disabled: bool) -> None:
        self._require_admin(actor)
        user = self._existing(username)
        if disabled and user.role == 'admin':
            self._keep_an_admin(user.username)
        changes: dict = {'disabled': disabled}
        if disabled:
            changes['sign_ins_ended_at'] = time.time()  # enabling again does not bring old sign-ins back
        await run_io(self.store.users.update, user.username, **changes)
        await self._audit(actor.username, 'disable person' if disabled else 'enable person', 'ok', '',
                          target=user.username)
        self.changed.emit(user.username)

    async def set_password(self, actor: Actor, username: str, password: str) -> None:
        user = self._existing(username)
        if not is_admin(actor) and actor.username != user.username:
            raise NotAllowed('Only admins may set another person\'s password.')
        if user.auth_source != 'local':
            raise ActionError(f'{user.username} signs in through {user.auth_source}; there is no password here.')
        weak = check_password_strength(password, user.username)
        if weak:
            raise ActionError(weak)
        await run_io(self.store.users.update, user.username, password_hash=await asyncio.to_thread(hash_password,
                                                                                                   password))
        await self._audit(actor.username, 'set password', 'ok', '', target=user.username)

    async def remove(self, actor: Actor, username: str) -> None:
        self._require_admin(actor)
        user = self._existing(username)
        if user.role == 'admin':
            self._keep_an_admin(user.username)
        await run_io(self.store.users.remove, user.username)
        await self._audit(actor.username, 'remove person', 'ok', '', target=user.username)
        self.changed.emit(user.username)

    async def seed_demo(self) -> list[tuple[str, str, str]]:
        """Demo mode: (re)create an admin and a member with fresh random passwords; returns (name, password,
        role) to show on the sign-in page."""
        accounts = []
        for name, role in (('admin', 'admin'), ('member', 'member')):
            password = f'demo-{secrets.token_urlsafe(9)}'
            hashed = await asyncio.to_thread(hash_password, password)
            if self.store.users.get(name) is None:
                await run_io(self.store.users.add, User(username=name, display_name=f'Demo {role}', role=role,  # type: ignore[arg-type]
                                                        password_hash=hashed, auth_source='local'))
            else:
                await run_io(self.store.users.update, name, password_hash=hashed, disabled=False, role=role,
                             auth_source='local')
            accounts.append((name, password, role))
        return accounts

    # -- helpers ------------------------------------------------------------------------------------------------

    def _require_admin(self, actor: Actor) -> None:
        current = self.actor(actor.username) if self._recheck_admin else actor
        if current is None or not is_admin(current):
            raise NotAllowed('Only admins may manage people.')

    def _existing(self, username: str) -> User:
        user = self.store.users.get(username)
        if user is None:
            raise ActionError(f'There is no person called {username}.')
        return user

    def _keep_an_admin(self, username: str) -> None:
        admins = [u for u in self.store.users.all() if u.role == 'admin' and not u.disabled and u.username != username]
        if not admins:
            raise ActionError('This is the last enabled admin: make someone else an admin first.')

    async def _audit(self, actor: str, action: str, outcome: str, detail: str, *, target: str | None = None) -> None:
        await run_io(self.store.audit.append, actor, action, outcome=outcome, target=target,  # type: ignore[arg-type]
                     detail=detail)

    def usernames(self) -> Iterable[str]:
        return (u.username for u in self.store.users.all())
