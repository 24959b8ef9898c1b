"""Everything TinyDB-specific lives here: an atomic, cached `Storage`, and a `DocumentTable` over a TinyDB table.

Why not TinyDB's own `JSONStorage`: it re-reads and re-parses the whole file on every query (too slow with
thousands of session records), and it rewrites the file in place, so a crash in the middle of a write can leave a
half-written file. `AtomicJSONStorage` instead

- parses the file once, when opened, and serves every read from memory: this process is the only writer;
- hands out and takes in copies (see `_json`), so nobody can change the cache by accident;
- writes atomically: temporary file in the same folder, flush, fsync, `os.replace`, fsync the folder; a crash at
  any moment leaves the old or the new file, never a mix, and a write that returned is on disk;
- creates files with mode 0600;
- checks the file's schema version (see `schema`), upgrades an older file, refuses a newer one;
- refuses a damaged, unreadable or non-JSON file with a `StorageError` naming it, and never overwrites it;
- refuses to overwrite a file that another program changed since it was read.
"""

from __future__ import annotations

import json
import logging
import operator
import os
import threading
from collections.abc import Collection, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any, cast

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document as TinyDocument
from tinydb.table import Table

from aod_ui.errors import StorageError

from ._files import FileSignature, file_signature, fsync_folder, remove_stale_temp_files, replace_file, write_atomic
from ._json import FrozenDict, dumps, freeze_document
from .schema import META_KEY, MIGRATIONS, Migration, Tables, migrate, schema_after
from .tables import Change, Document

__all__ = ['AtomicJSONStorage', 'TinyDBFile', 'TinyDBTable']

log = logging.getLogger(__name__)

_Stored = tuple[FrozenDict, bytes]
"""A document as the cache holds it: frozen, and encoded as its JSON member `"key":{...}`."""
_Cache = dict[str, dict[str, _Stored]]


class AtomicJSONStorage(Storage):
    """A TinyDB storage that keeps the database in memory and writes the file atomically (see the module docstring).

    :param path: the database file; created (with its schema version) if missing
    :param migrations: the schema migrations (`schema.MIGRATIONS`; tests pass their own)
    :param lock: the database's lock, shared with the tables that use this storage
    :raises StorageError: if the file is damaged, unreadable, or written by a newer dashboard
    """

    def __init__(self, path: str | Path, *, migrations: Sequence[Migration] = MIGRATIONS,
                 lock: threading.RLock | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.lock = lock or threading.RLock()
        self._migrations = tuple(migrations)
        self._schema = schema_after(self._migrations)
        self._cache: _Cache = {}
        self._signature: FileSignature | None = None
        with self.lock:
            self._open()

    def read(self) -> dict[str, dict[str, Any]]:
        """Return a copy of the database: fresh dicts down to each document, read-only values below."""
        with self.lock:
            return {name: {key: dict(stored[0]) for key, stored in table.items()}
                    for name, table in self._cache.items()}

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Replace the database with (a frozen copy of) `data`, atomically on disk, then in memory.

        :raises TypeError: if `data` holds something JSON cannot represent; nothing is written
        :raises ValueError: if `data` has a table called `_meta`; nothing is written
        :raises StorageError: if the file cannot be written, or another program changed it; nothing is changed
        """
        if META_KEY in data:
            raise ValueError(f'{META_KEY!r} is reserved for the schema version and cannot be a table')
        with self.lock:
            tables = _freeze_tables(data, self._cache)
            payload = self._encode(tables)
            if file_signature(self.path) != self._signature:
                raise StorageError(
                    f'The data file {self.path} was changed or removed by another program since the dashboard read '
                    'it, so the dashboard did not overwrite it and the change was not saved. Make sure only one '
                    f'dashboard uses {self.path.parent}, then restart it.')
            try:
                replace_file(self.path, payload)
            except OSError as error:
                raise StorageError(
                    f'The data file {self.path} could not be saved ({error.strerror or error}); the change was not '
                    f'stored and the file is as it was. Check free disk space and that the dashboard may write to '
                    f'{self.path.parent}.') from error
            self._cache = tables
            self._signature = file_signature(self.path)
            try:
                fsync_folder(self.path.parent)
            except OSError as error:
                raise StorageError(
                    f'The data file {self.path} was saved, but the folder {self.path.parent} could not be synced '
                    f'({error.strerror or error}), so the change may not survive a power cut. Check the disk.'
                ) from error

    def _open(self) -> None:
        remove_stale_temp_files(self.path)
        try:
            with open(self.path, 'rb') as file:
                info = os.fstat(file.fileno())
                raw = file.read()
        except FileNotFoundError:
            self._create()
            return
        except OSError as error:
            raise StorageError(
                f'The data file {self.path} cannot be read ({error.strerror or error}). Check that the dashboard '
                'may read and write it, or restore it from a backup.') from error
        tables, found = self._parse(raw)
        if found > self._schema:
            raise StorageError(
                f'The data file {self.path} was written by a newer version of the dashboard (schema {found}; this '
                f'version reads schema {self._schema} and older). The dashboard did not change it. Run the newer '
                'version, or restore a backup made by this one.')
        if found < self._schema:
            self._cache = self._upgrade(raw, tables, found)
            self._signature = file_signature(self.path)
            return
        try:
            self._cache = _freeze_tables(tables, {})
        except TypeError as error:
            raise self._damaged(str(error)) from error
        self._signature = (info.st_ino, info.st_size, info.st_mtime_ns)

    def _create(self) -> None:
        try:
            write_atomic(self.path, self._encode({}))
        except OSError as error:
            raise StorageError(
                f'The data file {self.path} cannot be created ({error.strerror or error}). Check that the '
                f'dashboard may write to {self.path.parent}.') from error
        self._cache = {}
        self._signature = file_signature(self.path)
        log.info('created %s', self.path)

    def _parse(self, raw: bytes) -> tuple[Tables, int]:
        if not raw.strip():
            raise self._damaged('it is empty')
        try:
            document = json.loads(raw)
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise self._damaged(f'it is not valid JSON ({error})') from error
        if not isinstance(document, dict):
            raise self._damaged('it does not hold a JSON object')
        meta = document.pop(META_KEY, None)
        schema = meta.get('schema') if isinstance(meta, dict) else None
        if type(schema) is not int or schema < 1:
            raise self._damaged(f'it has no schema version ("{META_KEY}": {{"schema": N}}), so this dashboard did '
                                'not write it')
        for name, table in document.items():
            if not isinstance(table, dict) or not all(isinstance(item, dict) for item in table.values()):
                raise self._damaged(f'its table {name!r} is not a set of JSON objects')
        return document, schema

    def _upgrade(self, raw: bytes, tables: Tables, found: int) -> _Cache:
        name = self.path.name.removesuffix('.db.json')
        backup = self.path.with_name(f'{name}.schema-{found}-backup.db.json')
        try:
            upgraded = _freeze_tables(migrate(tables, found, self._migrations), {})
        except Exception as error:
            raise StorageError(
                f'The data file {self.path} could not be upgraded from schema {found} to {self._schema} '
                f'({type(error).__name__}: {error}). The dashboard did not change it. Run the version that wrote '
                'it, or report the problem with a copy of the file.') from error
        try:
            write_atomic(backup, raw)
            write_atomic(self.path, self._encode(upgraded))
        except OSError as error:
            raise StorageError(
                f'The data file {self.path} could not be upgraded ({error.strerror or error}); it is unchanged. '
                f'Check free disk space and that the dashboard may write to {self.path.parent}.') from error
        log.warning('upgraded %s from schema %d to %d; the old file is kept as %s', self.path, found, self._schema,
                    backup)
        return upgraded

    def _encode(self, tables: _Cache) -> bytes:
        # Joined from each document's cached encoding: a write re-encodes only the documents that changed.
        parts = [b'{' + dumps(META_KEY) + b':' + dumps({'schema': self._schema})]
        for name, table in tables.items():
            parts.append(b',' + dumps(name) + b':{' + b','.join(stored[1] for stored in table.values()) + b'}')
        parts.append(b'}')
        return b''.join(parts)

    def _damaged(self, reason: str) -> StorageError:
        return StorageError(f'The data file {self.path} cannot be used: {reason}. The dashboard did not change it. '
                            'Restore it from a backup, or move it aside to start with an empty one.')


def _freeze_tables(data: Mapping[str, Mapping[str, Any]], previous: _Cache) -> _Cache:
    """Freeze and encode `data`, reusing what `previous` holds for documents that did not change."""
    tables: _Cache = {}
    for name, table in data.items():
        before = previous.get(name, {})
        stored: dict[str, _Stored] = {}
        for raw_key, document in table.items():
            key = str(raw_key)
            old = before.get(key)
            if old is not None and _unchanged(document, old[0]):
                stored[key] = old
            else:
                frozen = freeze_document(document)
                stored[key] = (frozen, dumps(key) + b':' + dumps(frozen))
        tables[name] = stored
    return tables


def _unchanged(document: Mapping[str, Any], frozen: FrozenDict) -> bool:
    # `read()` hands out shallow copies of the frozen documents, so a document nobody changed holds the very same
    # key and value objects, in the same order. Identity, not equality: 1 == True, but they are different JSON.
    return document is frozen or (len(document) == len(frozen) and all(map(operator.is_, document, frozen))
                                   and all(map(operator.is_, document.values(), frozen.values())))


class _KeyedTable(Table):
    """A TinyDB table whose document ids are the repositories' string keys (a session id, a username)."""

    document_id_class = str  # type: ignore[assignment]


class _TinyDB(TinyDB):
    table_class = _KeyedTable


def _ids(keys: Collection[str]) -> list[int]:
    # TinyDB annotates document ids as int; _KeyedTable's are str.
    return cast(list[int], list(keys))


class TinyDBFile:
    """One TinyDB database file: its `AtomicJSONStorage`, its lock, and its tables.

    :raises StorageError: if the file is damaged, unreadable, or written by a newer dashboard
    """

    def __init__(self, path: Path, *, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        self.path = path
        self.lock = threading.RLock()
        self._db = _TinyDB(path, storage=AtomicJSONStorage, migrations=migrations, lock=self.lock)

    def table(self, name: str) -> TinyDBTable:
        """The table called `name`, as a `DocumentTable` sharing this file's lock."""
        # No query cache: reads are served from the storage's memory anyway, and a cache would hold stale copies.
        return TinyDBTable(self._db.table(name, cache_size=0), self.lock)

    def close(self) -> None:
        """Release the database (every write is already on disk)."""
        self._db.close()


class TinyDBTable:
    """A `DocumentTable` over a TinyDB table (see `tables` for the rules it follows)."""

    def __init__(self, table: Table, lock: threading.RLock) -> None:
        self._table = table
        self._lock = lock

    def get(self, key: str) -> Document | None:
        with self._lock:
            document = self._table.get(doc_id=_ids([key])[0])
        return None if document is None else dict(document)

    def get_many(self, keys: Collection[str]) -> dict[str, Document]:
        with self._lock:
            documents = self._table.get(doc_ids=_ids(keys))
        return {str(document.doc_id): dict(document) for document in documents}

    def all(self) -> list[Document]:
        with self._lock:
            # TinyDB's Documents are fresh dicts already; no need to copy them again.
            return cast(list[Document], self._table.all())

    def count(self) -> int:
        with self._lock:
            return len(self._table)

    def insert(self, key: str, document: Mapping[str, Any]) -> bool:
        frozen = freeze_document(document)
        with self._lock:
            if self._table.contains(doc_id=_ids([key])[0]):
                return False
            self._table.insert(TinyDocument(frozen, doc_id=_ids([key])[0]))
            return True

    def insert_many(self, documents: Mapping[str, Mapping[str, Any]]) -> list[str]:
        frozen = {key: freeze_document(document) for key, document in documents.items()}
        with self._lock:
            taken = [str(document.doc_id) for document in self._table.get(doc_ids=_ids(frozen))]
            if not taken and frozen:
                self._table.insert_multiple(TinyDocument(document, doc_id=_ids([key])[0])
                                            for key, document in frozen.items())
            return taken

    def put(self, key: str, document: Mapping[str, Any]) -> None:
        frozen = freeze_document(document)
        with self._lock:
            if not self.insert(key, frozen):
                self.modify(key, lambda _current: frozen)

    def modify(self, key: str, change: Change) -> Document | None:
        changed: list[FrozenDict] = []

        def apply(document: MutableMapping[str, Any]) -> None:
            # `document` is the storage's private copy for this write, so replacing its content is safe.
            frozen = freeze_document(change(dict(document)))
            document.clear()
            document.update(frozen)
            changed.append(frozen)

        with self._lock:
            # Checked first because TinyDB rewrites the file even when no document matches.
            if not self._table.contains(doc_id=_ids([key])[0]):
                return None
            self._table.update(apply, doc_ids=_ids([key]))
        return dict(changed[0]) if changed else None

    def remove(self, keys: Collection[str]) -> int:
        with self._lock:
            present = [document.doc_id for document in self._table.get(doc_ids=_ids(dict.fromkeys(keys)))]
            if present:
                self._table.remove(doc_ids=present)
        return len(present)
