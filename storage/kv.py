"""Small named JSON values: the dashboard's own settings and state (for example how far a retention run got)."""

from __future__ import annotations

from typing import Any

from ._json import thaw
from .tables import DocumentTable

__all__ = ['KeyValue']


class KeyValue:
    """JSON values under string keys. Values go in and come out as copies: changing one changes nothing stored."""

    def __init__(self, table: DocumentTable) -> None:
        self._table = table

    def get(self, key: str, default: Any = None) -> Any:
        """The value under `key`, or `default`."""
        document = self._table.get(key)
        return default if document is None else thaw(document['value'])

    def set(self, key: str, value: Any) -> None:
        """Store `value` under `key`, replacing what was there.

        :raises TypeError: if JSON cannot represent `value` (nothing is stored)
        """
        self._table.put(key, {'key': key, 'value': value})

    def delete(self, key: str) -> bool:
        """Remove `key`; return whether it was there."""
        return self._table.remove([key]) == 1

    def keys(self) -> list[str]:
        """Every key, in the order they were first set."""
        return [document['key'] for document in self._table.all()]
