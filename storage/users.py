"""The people who may sign in to the dashboard, and their roles.

Storage keeps `password_hash` as an opaque string: hashing and checking passwords is the auth service's job.
`extra` is an open JSON object for fields added later (for example a person's encrypted AoD token) without a schema
change. Times are seconds since the epoch (UTC) as floats.
"""

from __future__ import annotations

import dataclasses
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from ._json import thaw
from .tables import DocumentTable, MemoryTable

if TYPE_CHECKING:
    from ._tinydb import TinyDBFile

__all__ = ['AuthSource', 'MemoryUsers', 'Role', 'TableUsers', 'TinyDBUsers', 'User', 'Users', 'normalize_username']

Role = Literal['admin', 'member', 'viewer']
AuthSource = Literal['local', 'oidc', 'header']
"""How the person signs in: a password kept here, OpenID Connect, or a header set by a trusted proxy."""

_ROLES: tuple[str, ...] = get_args(Role)
_AUTH_SOURCES: tuple[str, ...] = get_args(AuthSource)


def normalize_username(username: str) -> str:
    """The form a username is stored and looked up in: trimmed and lowercase."""
    return username.strip().lower()


@dataclass(kw_only=True, slots=True)
class User:
    """One person who may sign in. Building one normalizes the username and copies `extra`."""

    username: str
    """The key: trimmed and lowercase."""
    display_name: str = ''
    email: str = ''
    role: Role = 'member'
    password_hash: str = field(default='', repr=False)
    """Opaque to storage; empty for people who sign in through OIDC or a proxy header."""
    disabled: bool = False
    created_at: float = field(default_factory=time.time)
    last_login_at: float | None = None
    auth_source: AuthSource = 'local'
    oidc_issuer: str = ''
    """With `oidc_subject`: the OpenID Connect identity this account belongs to (empty: none). The pair, never the
    email, is how a provider sign-in finds its account."""
    oidc_subject: str = ''
    """The provider's `sub` for this person, exactly as the provider sent it (case matters)."""
    sign_ins_ended_at: float | None = None
    """Every sign-in of this person that began at or before this moment is over (on every browser)."""
    extra: dict[str, Any] = field(default_factory=dict, repr=False)
    """Fields added later, as a JSON object."""

    def __post_init__(self) -> None:
        if not isinstance(self.username, str) or not normalize_username(self.username):
            raise ValueError('a user needs a username')
        self.username = normalize_username(self.username)
        if self.role not in _ROLES:
            raise ValueError(f'role must be one of {_ROLES}, not {self.role!r}')
        if self.auth_source not in _AUTH_SOURCES:
            raise ValueError(f'auth_source must be one of {_AUTH_SOURCES}, not {self.auth_source!r}')
        for name in ('display_name', 'email', 'password_hash', 'oidc_issuer', 'oidc_subject'):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f'{name} must be text')
        if not isinstance(self.extra, Mapping):
            raise TypeError(f'extra must be a mapping, not {type(self.extra).__name__}')
        self.extra = thaw(self.extra)
        self.disabled = bool(self.disabled)
        self.created_at = float(self.created_at)
        self.last_login_at = None if self.last_login_at is None else float(self.last_login_at)
        self.sign_ins_ended_at = None if self.sign_ins_ended_at is None else float(self.sign_ins_ended_at)
        if bool(self.oidc_issuer) != bool(self.oidc_subject):
            raise ValueError('an OpenID Connect identity needs both issuer and subject')

    @property
    def identity(self) -> tuple[str, str] | None:
        """The (issuer, subject) this account is bound to, or None."""
        return (self.oidc_issuer, self.oidc_subject) if self.oidc_subject else None

    def to_dict(self) -> dict[str, Any]:
        """The user as a plain JSON object (a copy), password hash included: do not send it to a page."""
        return {
            'username': self.username, 'display_name': self.display_name, 'email': self.email, 'role': self.role,
            'password_hash': self.password_hash, 'disabled': self.disabled, 'created_at': self.created_at,
            'last_login_at': self.last_login_at, 'auth_source': self.auth_source, 'oidc_issuer': self.oidc_issuer,
            'oidc_subject': self.oidc_subject, 'sign_ins_ended_at': self.sign_ins_ended_at, 'extra': thaw(self.extra),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> User:
        """Build a user from `to_dict`'s shape; unknown keys are ignored, missing optional ones take defaults."""
        return cls(**{name: data[name] for name in _FIELDS if name in data})


_FIELDS = tuple(item.name for item in dataclasses.fields(User))


class Users(ABC):
    """The repository of `User`s, keyed by username (looked up case-insensitively, see `normalize_username`).

    `update` returns the user as they now are, or None if there is no such user.
    """

    @abstractmethod
    def add(self, user: User) -> None:
        """Store a new user.

        :raises ValueError: if the username is taken
        """

    @abstractmethod
    def get(self, username: str) -> User | None:
        """The user called `username`, or None."""

    def by_identity(self, issuer: str, subject: str) -> User | None:
        """The account bound to this OpenID Connect identity (issuer and subject compared exactly), or None."""
        if not issuer or not subject:
            return None
        return next((user for user in self.all() if user.identity == (issuer, subject)), None)

    @abstractmethod
    def all(self) -> list[User]:
        """Every user, by username."""

    @abstractmethod
    def update(self, username: str, /, **changes: Any) -> User | None:
        """Change fields of a user (any field but `username`).

        :raises TypeError: for an unknown field, or to change `username`
        :raises ValueError: if a new value is invalid (for example an unknown role)
        """

    @abstractmethod
    def remove(self, username: str) -> bool:
        """Remove a user; return whether there was one."""

    @abstractmethod
    def count(self) -> int:
        """How many users there are (zero means nobody has been set up yet)."""


class TableUsers(Users):
    """`Users` kept in a `DocumentTable`, one document per username."""

    def __init__(self, table: DocumentTable) -> None:
        self._table = table

    def add(self, user: User) -> None:
        if not self._table.insert(user.username, user.to_dict()):
            raise ValueError(f'the username {user.username!r} is taken')

    def get(self, username: str) -> User | None:
        document = self._table.get(normalize_username(username))
        return None if document is None else User.from_dict(document)

    def all(self) -> list[User]:
        return sorted((User.from_dict(document) for document in self._table.all()), key=lambda user: user.username)

    def update(self, username: str, /, **changes: Any) -> User | None:
        if 'username' in changes:
            raise TypeError('a username cannot change; add a new user and remove the old one')
        document = self._table.modify(normalize_username(username),
                                      lambda current: dataclasses.replace(User.from_dict(current), **changes).to_dict())
        return None if document is None else User.from_dict(document)

    def remove(self, username: str) -> bool:
        return self._table.remove([normalize_username(username)]) == 1

    def count(self) -> int:
        return self._table.count()


class MemoryUsers(TableUsers):
    """`Users` in memory only, for unit tests and `storage.memory_store()`."""

    def __init__(self) -> None:
        super().__init__(MemoryTable())


class TinyDBUsers(TableUsers):
    """`Users` in the `users` table of a TinyDB file."""

    def __init__(self, database: TinyDBFile) -> None:
        super().__init__(database.table('users'))
