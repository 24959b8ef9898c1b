"""The one primitive every repository is built on: a table of JSON documents, each under a string key.

`DocumentTable` is the whole interface; `AppendOnlyTable` is its part for records that only grow (the audit trail):
documents are added and read, never replaced or removed. There are three tables: `MemoryTable` here (a dict, for
unit tests and `memory_store()`), `TinyDBTable` in `_tinydb` (both are `DocumentTable`s), and `JsonlTable` in `_jsonl`,
an `AppendOnlyTable` that appends one line per document to a file instead of rewriting it. Each repository is written
once against one of the two interfaces, so it behaves the same on every table underneath by construction.

Every table follows the same rules. Every method is short, synchronous and thread-safe (one lock per database or
file). A document handed in is validated and frozen (see `_json`), so later changes by the caller do not reach the
store, and something JSON cannot hold is refused with `TypeError` before anything is written. A document handed out
is the caller's own dict at the top level, and nothing stored can be changed through it (the tables that cache
documents make its nested lists and dicts read-only). Repositories turn documents into dataclasses, copying the
nested parts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping
from typing import Any, Protocol

from ._json import FrozenDict, freeze_document

__all__ = ['AppendOnlyTable', 'Change', 'Document', 'DocumentTable', 'MemoryTable']

Document = dict[str, Any]
Change = Callable[[Document], Mapping[str, Any]]
"""Computes the new content of a document from (a private copy of) its current content."""


class AppendOnlyTable(Protocol):
    """A table of JSON documents keyed by string whose documents, once stored, stay as they are (see the module
    docstring for the rules). Every `DocumentTable` is one."""

    def all(self) -> list[Document]:
        """Return every document, in insertion order."""
        ...

    def count(self) -> int:
        """Return how many documents there are."""
        ...

    def insert(self, key: str, document: Mapping[str, Any]) -> bool:
        """Store `document` under `key` unless that key is taken; return whether it was stored."""
        ...


class DocumentTable(AppendOnlyTable, Protocol):
    """A table of JSON documents keyed by string (see the module docstring for the rules)."""

    def get(self, key: str) -> Document | None:
        """Return the document under `key`, or None."""
        ...

    def get_many(self, keys: Collection[str]) -> dict[str, Document]:
        """Return the documents under those of `keys` that exist, by key."""
        ...

    def insert_many(self, documents: Mapping[str, Mapping[str, Any]]) -> list[str]:
        """Store all `documents` (by key) in one write, unless a key is taken; return the taken keys (then nothing
        is stored)."""
        ...

    def put(self, key: str, document: Mapping[str, Any]) -> None:
        """Store `document` under `key`, replacing what was there."""
        ...

    def modify(self, key: str, change: Change) -> Document | None:
        """Replace the document under `key` with `change(copy of it)` in one step; return the new content, or None
        (and call nothing) if there is no such document. An exception from `change` leaves the document as it was."""
        ...

    def remove(self, keys: Collection[str]) -> int:
        """Remove the documents under `keys`; return how many existed."""
        ...


class MemoryTable:
    """A `DocumentTable` in a dict: nothing is written anywhere."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._documents: dict[str, FrozenDict] = {}

    def get(self, key: str) -> Document | None:
        with self._lock:
            document = self._documents.get(key)
        return None if document is None else dict(document)

    def get_many(self, keys: Collection[str]) -> dict[str, Document]:
        with self._lock:
            return {key: dict(self._documents[key]) for key in keys if key in self._documents}

    def all(self) -> list[Document]:
        with self._lock:
            return [dict(document) for document in self._documents.values()]

    def count(self) -> int:
        with self._lock:
            return len(self._documents)

    def insert(self, key: str, document: Mapping[str, Any]) -> bool:
        frozen = freeze_document(document)
        with self._lock:
            if key in self._documents:
                return False
            self._documents[key] = frozen
            return True

    def insert_many(self, documents: Mapping[str, Mapping[str, Any]]) -> list[str]:
        frozen = {key: freeze_document(document) for key, document in documents.items()}
        with self._lock:
            taken = [key for key in frozen if key in self._documents]
            if not taken:
                self._documents.update(frozen)
            return taken

    def put(self, key: str, document: Mapping[str, Any]) -> None:
        frozen = freeze_document(document)
        with self._lock:
            self._documents[key] = frozen

    def modify(self, key: str, change: Change) -> Document | None:
        with self._lock:
            current = self._documents.get(key)
            if current is None:
                return None
            frozen = freeze_document(change(dict(current)))
            self._documents[key] = frozen
            return dict(frozen)

    def remove(self, keys: Collection[str]) -> int:
        with self._lock:
            present = [key for key in dict.fromkeys(keys) if key in self._documents]
            for key in present:
                del self._documents[key]
            return len(present)
