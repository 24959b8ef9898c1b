"""The audit trail on disk, as JSON lines: one line per entry, appended and fsynced before `append` returns.

Why not a TinyDB file like the rest: the trail only grows (100,000 entries is a realistic year), and TinyDB
rewrites the whole file on every change, so each entry would cost a rewrite of megabytes. Appending one line is
constant work, and an append-only file is what an audit trail should be. It is still crash-safe:

- the first line is a header with the schema version, written atomically when the file is created;
- each entry is one `write` of one complete line followed by `fsync`, so an entry that `append` returned is on disk;
- a crash in the middle of an append can only leave a torn last line, without its newline. Opening the log cuts such
  a line off (it was never acknowledged), or completes it if it is whole and only lacks the newline, so the next
  append starts on a fresh line;
- anything else that is wrong (a damaged line before the last, a missing header, a newer schema) refuses to open
  with a `StorageError` naming the file, and the file is left untouched.

The entries are also kept in memory (`MemoryAuditLog`), so queries never read the file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from aod_ui.errors import StorageError

from ._files import remove_stale_temp_files, write_atomic
from ._json import dumps
from .audit import AuditEntry, MemoryAuditLog
from .schema import META_KEY

__all__ = ['AUDIT_SCHEMA', 'JsonlAuditLog']

log = logging.getLogger(__name__)

AUDIT_SCHEMA = 1
"""The layout of the audit file's lines; a file with a higher number is refused."""


class JsonlAuditLog(MemoryAuditLog):
    """An `AuditLog` kept in a JSON-lines file (see the module docstring).

    :raises StorageError: if the file is damaged, unreadable, or written by a newer dashboard
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        entries, self._size = _open(path)
        super().__init__(entries)

    def _persist(self, entry: AuditEntry) -> None:
        line = dumps(entry.to_dict()) + b'\n'
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        except OSError as error:
            raise StorageError(f'The audit log {self.path} cannot be opened ({error.strerror or error}), so the '
                               'action was not recorded. Check that the file exists and the dashboard may write it.'
                               ) from error
        try:
            if os.fstat(descriptor).st_size != self._size:
                raise StorageError(f'The audit log {self.path} was changed by another program since the dashboard '
                                   'opened it, so the dashboard did not write to it. Make sure only one dashboard uses '
                                   f'{self.path.parent}, then restart it.')
            try:
                _write_all(descriptor, line)
                os.fsync(descriptor)
            except OSError as error:
                # Do not leave part of a line behind for the next append to continue.
                with contextlib.suppress(OSError):
                    os.ftruncate(descriptor, self._size)
                raise StorageError(f'The audit log {self.path} could not be written ({error.strerror or error}), so '
                                   'the action was not recorded. Check free disk space.') from error
        finally:
            os.close(descriptor)
        self._size += len(line)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def _header() -> bytes:
    return dumps({META_KEY: {'schema': AUDIT_SCHEMA, 'kind': 'aod-ui audit log'}}) + b'\n'


def _open(path: Path) -> tuple[list[AuditEntry], int]:
    """Read (or create) the log; return its entries and the size of its valid part."""
    remove_stale_temp_files(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        header = _header()
        try:
            write_atomic(path, header)
        except OSError as error:
            raise StorageError(f'The audit log {path} cannot be created ({error.strerror or error}). Check that the '
                               f'dashboard may write to {path.parent}.') from error
        return [], len(header)
    except OSError as error:
        raise StorageError(f'The audit log {path} cannot be read ({error.strerror or error}). Check that the '
                           'dashboard may read and write it, or restore it from a backup.') from error

    end = raw.rfind(b'\n') + 1  # everything up to here is complete lines
    if end == 0:
        raise _damaged(path, 'it is empty' if not raw.strip() else 'it has no header line')
    lines = raw[:end].split(b'\n')[:-1]
    schema = _schema(path, lines[0])
    if schema > AUDIT_SCHEMA:
        raise StorageError(f'The audit log {path} was written by a newer version of the dashboard (schema {schema}; '
                           f'this version reads schema {AUDIT_SCHEMA} and older). The dashboard did not change it. '
                           'Run the newer version, or move the file aside to start a new log.')
    entries = []
    for number, line in enumerate(lines[1:], start=2):
        if line.strip():
            try:
                entries.append(AuditEntry.from_dict(json.loads(line)))
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                raise _damaged(path, f'line {number} is not an audit entry ({error})') from error
    tail = _complete_entry(path, raw[end:], len(lines) + 1)
    if tail is not None:
        entries.append(tail)
    return entries, _repair_tail(path, raw, end, tail is not None)


def _schema(path: Path, line: bytes) -> int:
    try:
        header: Any = json.loads(line)
        schema = header[META_KEY]['schema']
    except (ValueError, TypeError, KeyError) as error:
        raise _damaged(path, 'its first line is not an audit log header') from error
    if type(schema) is not int or schema < 1:
        raise _damaged(path, 'its header has no valid schema version')
    return schema


def _complete_entry(path: Path, tail: bytes, number: int) -> AuditEntry | None:
    """The entry on an unterminated last line if it is whole (only the newline is missing), else None (torn)."""
    if not tail.strip():
        return None
    try:
        data = json.loads(tail)
    except ValueError:
        return None  # a torn line: a strict prefix of a JSON object never parses
    try:
        return AuditEntry.from_dict(data)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise _damaged(path, f'line {number} is not an audit entry ({error})') from error


def _repair_tail(path: Path, raw: bytes, end: int, whole: bool) -> int:
    """Make the file end with a complete line again; return its new size."""
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
        raise StorageError(f'The audit log {path} ends with an incomplete line that cannot be repaired '
                           f'({error.strerror or error}). Check that the dashboard may write it.') from error
    log.warning('%s: removed an incomplete last line (%d bytes) left by an interrupted write', path, len(raw) - end)
    return end


def _damaged(path: Path, reason: str) -> StorageError:
    return StorageError(f'The audit log {path} cannot be used: {reason}. The dashboard did not change it. '
                        'Restore it from a backup, or move it aside to start a new log.')
