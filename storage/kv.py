"""Small named JSON values: the dashboard's own settings and state (for example how far a retention run got)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from ._json import thaw
from .tables import DocumentTable, MemoryTable

if TYPE_CHECKING:
    from ._tinydb import TinyDBFile

__all__ = ['KeyValue', 'MemoryKeyValue', 'TableKeyValue', 'TinyDBKeyValue']


class KeyValue(ABC):
    """JSON values under string keys. Values go in and come out as copies: changing one changes nothing stored."""

    @abstractmethod
    def get(self, key: str, default: Any = None) -> Any:
        """The value under `key`, or `default`."""

    @abstractmethod
    def set(self, key: str, value: Any) -> None:
        """Store `value` under `key`, replacing what was there.

        :raises TypeError: if JSON cannot represent `value` (nothing is stored)
        """

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove `key`; return whether it was there."""

    @abstractmethod
    def keys(self) -> list[str]:
        """Every key, in the order they were first set."""


class TableKeyValue(KeyValue):
    """`KeyValue` kept in a `DocumentTable`: one `{"key": ..., "value": ...}` document per key."""

    def __init__(self, table: DocumentTable) -> None:
        self._table = table

    def get(self, key: str, default: Any = None) -> Any:
        document = self._table.get(key)
        return default if document is None else thaw(document['value'])

    def set(self, key: str, value: Any) -> None:
        self._table.put(key, {'key': key, 'value': value})

    def delete(self, key: str) -> bool:
        return self._table.remove([key]) == 1

    def keys(self) -> list[str]:
        return [document['key'] for document in self._table.all()]


class MemoryKeyValue(TableKeyValue):
    """`KeyValue` in memory only, for unit tests and `storage.memory_store()`."""

    def __init__(self) -> None:
        super().__init__(MemoryTable())


class TinyDBKeyValue(TableKeyValue):
    """`KeyValue` in the `kv` table of a TinyDB file."""

    def __init__(self, database: TinyDBFile) -> None:
        super().__init__(database.table('kv'))
