"""Personal access tokens for the dashboard's HTTP API: who owns each, what it may do, until when.

Only a token's SHA-256 digest is stored, with its first characters to tell tokens apart: the token itself is shown
to its owner once, when it is made, and is never kept. Times are seconds since the epoch (UTC) as floats.
"""

from __future__ import annotations

import dataclasses
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .tables import DocumentTable, MemoryTable

if TYPE_CHECKING:
    from ._tinydb import TinyDBFile

__all__ = ['SCOPES', 'ApiToken', 'ApiTokens', 'MemoryApiTokens', 'TableApiTokens', 'TinyDBApiTokens']

SCOPES = ('read', 'launch', 'manage')
"""read: list, get, transcripts, events; launch: start sessions and send follow-ups; manage: stop and delete."""


@dataclass(kw_only=True, slots=True)
class ApiToken:
    """One personal access token, as stored (its digest, never the token)."""

    id: str
    owner: str
    name: str
    digest: str = field(repr=False)
    """SHA-256 of the whole token, hex."""
    prefix: str
    """The token's first characters, shown to tell tokens apart."""
    scopes: tuple[str, ...]
    created_at: float = field(default_factory=time.time)
    expires_at: float | None = None
    last_used_at: float | None = None
    revoked_at: float | None = None
    revoked_by: str = ''

    def __post_init__(self) -> None:
        for name in ('id', 'owner', 'name', 'digest', 'prefix'):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f'a token needs a {name}')
        self.scopes = tuple(self.scopes)
        unknown = set(self.scopes) - set(SCOPES)
        if unknown or not self.scopes:
            raise ValueError(f'scopes must be some of {SCOPES}, not {self.scopes!r}')

    def to_dict(self) -> dict[str, Any]:
        return {'id': self.id, 'owner': self.owner, 'name': self.name, 'digest': self.digest, 'prefix': self.prefix,
                'scopes': list(self.scopes), 'created_at': self.created_at, 'expires_at': self.expires_at,
                'last_used_at': self.last_used_at, 'revoked_at': self.revoked_at, 'revoked_by': self.revoked_by}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ApiToken:
        return cls(**{name: data[name] for name in _FIELDS if name in data})


_FIELDS = tuple(item.name for item in dataclasses.fields(ApiToken))


class ApiTokens(ABC):
    """The repository of `ApiToken`s, keyed by id."""

    @abstractmethod
    def add(self, token: ApiToken) -> None:
        """Store a new token.

        :raises ValueError: if the id is taken
        """

    @abstractmethod
    def get(self, token_id: str) -> ApiToken | None:
        """The token with this id, or None."""

    @abstractmethod
    def all(self) -> list[ApiToken]:
        """Every token, oldest first."""

    def by_digest(self, digest: str) -> ApiToken | None:
        """The token whose digest this is, or None."""
        return next((token for token in self.all() if token.digest == digest), None)

    def of(self, owner: str) -> list[ApiToken]:
        """The tokens of one person, oldest first."""
        return [token for token in self.all() if token.owner == owner]

    @abstractmethod
    def update(self, token_id: str, /, **changes: Any) -> ApiToken | None:
        """Change fields of a token (any but `id`); returns it as it now is, or None if there is none."""

    @abstractmethod
    def remove(self, token_id: str) -> bool:
        """Remove a token; return whether there was one."""


class TableApiTokens(ApiTokens):
    """`ApiTokens` kept in a `DocumentTable`, one document per token id."""

    def __init__(self, table: DocumentTable) -> None:
        self._table = table

    def add(self, token: ApiToken) -> None:
        if not self._table.insert(token.id, token.to_dict()):
            raise ValueError(f'the token id {token.id!r} is taken')

    def get(self, token_id: str) -> ApiToken | None:
        document = self._table.get(token_id)
        return None if document is None else ApiToken.from_dict(document)

    def all(self) -> list[ApiToken]:
        return sorted((ApiToken.from_dict(d) for d in self._table.all()), key=lambda token: token.created_at)

    def update(self, token_id: str, /, **changes: Any) -> ApiToken | None:
        if 'id' in changes:
            raise TypeError('a token id cannot change')
        document = self._table.modify(
            token_id, lambda current: dataclasses.replace(ApiToken.from_dict(current), **changes).to_dict())
        return None if document is None else ApiToken.from_dict(document)

    def remove(self, token_id: str) -> bool:
        return self._table.remove([token_id]) == 1


class MemoryApiTokens(TableApiTokens):
    """`ApiTokens` in memory only, for unit tests and `storage.memory_store()`."""

    def __init__(self) -> None:
        super().__init__(MemoryTable())


class TinyDBApiTokens(TableApiTokens):
    """`ApiTokens` in the `api_tokens` table of a TinyDB file (the people's file: tokens belong to people)."""

    def __init__(self, database: TinyDBFile) -> None:
        super().__init__(database.table('api_tokens'))
