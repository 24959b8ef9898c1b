"""An `AppendOnlyTable` in a JSON-lines file: one line per document, appended and fsynced before `insert` returns.

Why not a TinyDB file like the other tables: a record such as the audit trail only grows (100,000 entries is a
realistic year), and TinyDB rewrites the whole file on every change, so each document would cost a rewrite of
megabytes. Appending one line is constant work, and an append-only file is what an audit trail should be. It is
still crash-safe:

- the first line is a header with the kind of file and its schema version (`{"_meta": {"schema": N, "kind": ...}}`),
  written atomically when the file is created;
- each document is one `write` of one complete line followed by `fsync`, so a document `insert` stored is on disk;
- a crash in the middle of an insert can only leave a torn last line, without its newline. Opening the file cuts
  such a line off (it was never acknowledged), or completes it if it is whole and only lacks the newline, so the next
  insert starts on a fresh line;
- anything else that is wrong (a damaged line before the last, a line the table's `check` refuses, a missing header,
  a newer schema) refuses to open with a `StorageError` naming the file, and the file is left untouched;
- it refuses to append to a file that another program changed since it was opened.

A document's key is one of its own fields (`key`), so the lines are the documents and nothing else. The table keeps
only the keys in memory: the documents read when it opened go to the first `all()` (a repository that indexes them
asks for them at once), and any other `all()` reads the file again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from aod_ui.errors import StorageError

from ._files import remove_stale_temp_files, write_atomic
from ._json import dumps, freeze_document
from .schema import META_KEY
from .tables import Document

__all__ = ['JsonlTable']

log = logging.getLogger(__name__)

_REFUSED = (ValueError, TypeError, KeyError, AttributeError)
"""What a document's `check` raises for a line that is not what the file should hold."""


class JsonlTable:
    """An `AppendOnlyTable` kept in a JSON-lines file (see the module docstring).

    :param key: the field of each document that is its key (as text: the number 3 is the key '3')
    :param kind: what the file is, for its header (`aod-ui <kind>`) and for messages, for example 'audit log'
    :param schema: the layout of its lines; a file with a higher number is refused
    :param item: what one line is, for messages, for example 'an audit entry'
    :param check: raises `ValueError`, `TypeError` or `KeyError` for a document that is not an `item`
    :raises StorageError: if the file is damaged, unreadable, or written by a newer dashboard
    """

    def __init__(self, path: Path, *, key: str, kind: str, schema: int, item: str = 'a document',
                 check: Callable[[Document], object] | None = None) -> None:
        self.path = path
        self._key = key
        self._kind = kind
        self._schema = schema
        self._item = item
        self._check = check
        self._lock = threading.RLock()
        opened, self._size = self._open()
        # a file from before keys were checked may repeat one: each line stays a document, the key is taken once
        self._keys = {str(document[key]) for document in opened}
        self._count = len(opened)
        self._opened: list[Document] | None = opened

    def all(self) -> list[Document]:
        with self._lock:
            if self._opened is not None:
                opened, self._opened = self._opened, None
                return opened
            try:
                with open(self.path, 'rb') as file:
                    raw = file.read(self._size)
            except OSError as error:
                raise StorageError(f'The {self._kind} {self.path} cannot be read ({error.strerror or error}). Check '
                                   'that the dashboard may read it.') from error
        if len(raw) != self._size:
            raise self._changed()
        return [json.loads(line) for line in raw.split(b'\n')[1:] if line.strip()]

    def count(self) -> int:
        with self._lock:
            return self._count

    def insert(self, key: str, document: Mapping[str, Any]) -> bool:
        frozen = freeze_document(document)
        if str(frozen.get(self._key)) != key:
            raise ValueError(f'a document stored under {key!r} must have it as its {self._key!r}')
        line = dumps(frozen) + b'\n'
        with self._lock:
            if key in self._keys:
                return False
            self._append(line)
            self._keys.add(key)
            self._count += 1
            self._opened = None  # no longer every document: `all()` reads the file
            return True

    def _append(self, line: bytes) -> None:
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        except OSError as error:
            raise StorageError(f'The {self._kind} {self.path} cannot be opened ({error.strerror or error}), so '
                               'nothing was added to it. Check that the file exists and the dashboard may write it.'
                               ) from error
        try:
            if os.fstat(descriptor).st_size != self._size:
                raise self._changed()
            try:
                _write_all(descriptor, line)
                os.fsync(descriptor)
            except OSError as error:
                # Do not leave part of a line behind for the next insert to continue.
                with contextlib.suppress(OSError):
                    os.ftruncate(descriptor, self._size)
                raise StorageError(f'The {self._kind} {self.path} could not be written ({error.strerror or error}), '
                                   'so nothing was added to it. Check free disk space.') from error
        finally:
            os.close(descriptor)
        self._size += len(line)

    def _changed(self) -> StorageError:
        return StorageError(f'The {self._kind} {self.path} was changed by another program since the dashboard opened '
                            'it, so the dashboard did not write to it. Make sure only one dashboard uses '
                            f'{self.path.parent}, then restart it.')

    # -- opening ------------------------------------------------------------------------------------------------

    def _open(self) -> tuple[list[Document], int]:
        """Read (or create) the file; return its documents and the size of its valid part."""
        path = self.path
        remove_stale_temp_files(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            header = dumps({META_KEY: {'schema': self._schema, 'kind': f'aod-ui {self._kind}'}}) + b'\n'
            try:
                write_atomic(path, header)
            except OSError as error:
                raise StorageError(f'The {self._kind} {path} cannot be created ({error.strerror or error}). Check '
                                   f'that the dashboard may write to {path.parent}.') from error
            return [], len(header)
        except OSError as error:
            raise StorageError(f'The {self._kind} {path} cannot be read ({error.strerror or error}). Check that the '
                               'dashboard may read and write it, or restore it from a backup.') from error

        end = raw.rfind(b'\n') + 1  # everything up to here is complete lines
        if end == 0:
            raise self._damaged('it is empty' if not raw.strip() else 'it has no header line')
        lines = raw[:end].split(b'\n')[:-1]
        schema = self._read_schema(lines[0])
        if schema > self._schema:
            raise StorageError(f'The {self._kind} {path} was written by a newer version of the dashboard (schema '
                               f'{schema}; this version reads schema {self._schema} and older). The dashboard did not '
                               'change it. Run the newer version, or move the file aside to start a new one.')
        documents = []
        for number, line in enumerate(lines[1:], start=2):
            if line.strip():
                try:
                    documents.append(self._document(json.loads(line)))
                except _REFUSED as error:
                    raise self._damaged(f'line {number} is not {self._item} ({error})') from error
        tail = self._complete_document(raw[end:], len(lines) + 1)
        if tail is not None:
            documents.append(tail)
        return documents, self._repair_tail(raw, end, tail is not None)

    def _document(self, data: Any) -> Document:
        if not isinstance(data, dict):
            raise TypeError(f'a JSON object was expected, not {type(data).__name__}')
        if self._check is not None:
            self._check(data)
        if self._key not in data:
            raise KeyError(self._key)
        return data

    def _read_schema(self, line: bytes) -> int:
        try:
            header: Any = json.loads(line)
            schema = header[META_KEY]['schema']
        except (ValueError, TypeError, KeyError) as error:
            raise self._damaged('its first line is not a header') from error
        if type(schema) is not int or schema < 1:
            raise self._damaged('its header has no valid schema version')
        return schema

    def _complete_document(self, tail: bytes, number: int) -> Document | None:
        """The document on an unterminated last line if it is whole (only the newline is missing), else None (torn)."""
        if not tail.strip():
            return None
        try:
            data = json.loads(tail)
        except ValueError:
            return None  # a torn line: a strict prefix of a JSON object never parses
        try:
            return self._document(data)
        except _REFUSED as error:
            raise self._damaged(f'line {number} is not {self._item} ({error})') from error

    def _repair_tail(self, raw: bytes, end: int, whole: bool) -> int:
        """Make the file end with a complete line again; return its new size."""
        path = self.path
        if end == len(raw):
            return end
        try:
            if whole:
                with open(path, 'ab') as file:
                    file.write(b'\n')
                    file.flush()
                    os.fsync(file.fileno())
                log.warning('%s: completed the last line, which lacked its newline', path)
                return len(raw) + 1
            os.truncate(path, end)
            with open(path, 'rb') as file:
                os.fsync(file.fileno())
        except OSError as error:
            raise StorageError(f'The {self._kind} {path} ends with an incomplete line that cannot be repaired '
                               f'({error.strerror or error}). Check that the dashboard may write it.') from error
        log.warning('%s: removed an incomplete last line (%d bytes) left by an interrupted write', path, len(raw) - end)
        return end

    def _damaged(self, reason: str) -> StorageError:
        return StorageError(f'The {self._kind} {self.path} cannot be used: {reason}. The dashboard did not change it. '
                            'Restore it from a backup, or move it aside to start a new one.')


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]
