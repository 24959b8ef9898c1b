"""One session's archive on disk: its events as JSON lines, appended while the session runs, gzipped once it ended.

Files, in the archive folder (all mode 0600):

    <id>.jsonl       events appended since the last compaction (while the session is active, or being read)
    <id>.jsonl.gz    every earlier event, compressed (one gzip member per compaction)
    <id>.meta.json   what the index needs without opening the events (replaced atomically)

One line per event: `{"c":<cursor or null>,"t":"<type>","e":<the event exactly as received>}`. The cursor and
type come first in a fixed form, so a reader can skip to the tail of a long session, or collect the few events
that matter for resuming (`start`, `turn_start`, terminal events), without parsing every line.

A line is whole once its newline is written. Loading drops a torn last line (a crash in the middle of a write)
by truncating the file there; the resume cursor is then the last whole line's, so AoD sends that event again.
Compaction writes the new `.gz` beside the old one and renames it over it before removing the `.jsonl`; a crash
between the two leaves a `.jsonl` whose lines already end the `.gz`, which loading recognises and removes.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage._files import FILE_MODE, replace_file

__all__ = ['Line', 'Scan', 'SessionFiles', 'encode', 'parse_head', 'valid_id']

TERMINAL = frozenset({'exit', 'error', 'terminated', 'stale'})
_ID = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]{0,127}')
_TYPE = re.compile(r'[A-Za-z0-9_.-]*')
WriteHook = Callable[[int, bytes], int]
"""`os.write`, or a stand-in (tests make it raise `OSError(ENOSPC)`, as a full disk does)."""


def valid_id(session_id: str) -> bool:
    """Whether a session id can name files (AoD's ids are UUIDs)."""
    return bool(_ID.fullmatch(session_id)) and '..' not in session_id


def encode(cursor: int | None, payload: dict[str, Any]) -> str:
    """One archive line, with its newline."""
    kind = str(payload.get('type') or '')
    if not _TYPE.fullmatch(kind):
        kind = '?'
    body = json.dumps(payload, ensure_ascii=False, separators=(',', ':'))
    return f'{{"c":{"null" if cursor is None else int(cursor)},"t":"{kind}","e":{body}}}\n'


@dataclass(frozen=True, slots=True)
class Line:
    cursor: int | None
    type: str
    text: str


def parse_head(text: str) -> Line:
    """The cursor and type of an archive line, without parsing its event."""
    comma = text.index(',"t":"', 5)
    raw = text[5:comma]
    end = text.index('"', comma + 6)
    return Line(None if raw == 'null' else int(raw), text[comma + 6:end], text)


def event_of(line: Line) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(line.text)['e']
    return payload


@dataclass
class Scan:
    """What loading found: every line (unparsed) and what resuming needs."""

    lines: list[Line] = field(default_factory=list)
    cursor: int | None = None
    rows: int = 0
    """Lines that are AoD log rows (`stage`, `output`: they carry a cursor and are not terminal)."""
    seen_start: bool = False
    turns_started: set[int] = field(default_factory=set)
    endings: set[tuple[str, int]] = field(default_factory=set)
    last_type: str = ''

    def add(self, line: Line) -> None:
        self.lines.append(line)
        self.last_type = line.type
        if line.type == 'start':
            self.seen_start = True
        elif line.type == 'turn_start':
            with contextlib.suppress(KeyError, TypeError, ValueError):
                self.turns_started.add(int(event_of(line)['turn']))
        elif line.cursor is not None:
            if line.type in TERMINAL:
                self.endings.add((line.type, line.cursor))
            else:
                self.rows += 1
            if self.cursor is None or line.cursor > self.cursor:
                self.cursor = line.cursor


class SessionFiles:
    """The files of one session's archive. Every method blocks: call them through `run_io`."""

    def __init__(self, folder: Path, session_id: str, *, write: WriteHook = os.write) -> None:
        if not valid_id(session_id):
            raise ValueError(f'not a session id: {session_id!r}')
        self.session_id = session_id
        self.log = folder / f'{session_id}.jsonl'
        self.packed = folder / f'{session_id}.jsonl.gz'
        self.meta = folder / f'{session_id}.meta.json'
        self._write = write
        self._fd: int | None = None
        self.size = 0
        """Bytes in the `.jsonl` file: where the next line goes, and where a failed write is cut back to."""

    # -- reading ------------------------------------------------------------------------------------------------

    def scan(self, *, repair: bool = True) -> Scan:
        """Every whole line, packed then appended. With `repair`, a torn last line is cut off the file."""
        scan = Scan()
        packed = self._packed_lines()
        for text in packed:
            scan.add(parse_head(text))
        tail, whole = self._log_lines()
        if repair and self.log.exists() and whole != self.log.stat().st_size:
            with open(self.log, 'r+b') as file:  # a torn last line: AoD sends that event again
                file.truncate(whole)
                os.fsync(file.fileno())
        if packed and tail and len(tail) <= len(packed) and packed[-len(tail):] == tail:
            # compaction finished but the crash came before the appended file was removed
            if repair:
                self.log.unlink()
            tail = []
        for text in tail:
            scan.add(parse_head(text))
        self.size = whole if tail else 0
        return scan

    def events(self) -> Iterator[dict[str, Any]]:
        """Every archived event, in order."""
        for line in self.scan(repair=False).lines:
            yield event_of(line)

    def head(self, limit: int) -> Iterator[dict[str, Any]]:
        """The first `limit` archived events, reading no further (a session's start and stages come first)."""
        count = 0
        for source in (self._packed_head, lambda: iter(self._log_lines()[0])):
            for text in source():
                if count >= limit:
                    return
                count += 1
                yield event_of(parse_head(text))

    def _packed_head(self) -> Iterator[str]:
        if not self.packed.exists():
            return
        try:
            with gzip.open(self.packed, 'rt', encoding='utf-8') as file:
                for text in file:
                    yield text.rstrip('\n')
        except (EOFError, gzip.BadGzipFile, zlib.error, UnicodeDecodeError) as error:
            raise ValueError(f'{self.packed.name} is damaged ({error})') from None

    def _packed_lines(self) -> list[str]:
        if not self.packed.exists():
            return []
        try:
            with gzip.open(self.packed, 'rt', encoding='utf-8') as file:
                return file.read().splitlines()
        except (EOFError, gzip.BadGzipFile, zlib.error, UnicodeDecodeError) as error:
            raise ValueError(f'{self.packed.name} is damaged ({error})') from None

    def _log_lines(self) -> tuple[list[str], int]:
        """The whole lines of the appended file, and the size they take (a torn last line is not counted)."""
        if not self.log.exists():
            return [], 0
        data = self.log.read_bytes()
        whole = data.rfind(b'\n') + 1
        lines = data[:whole].decode('utf-8').splitlines()
        good: list[str] = []
        size = 0
        for text in lines:
            try:
                json.loads(text)
                parse_head(text)
            except ValueError:
                break  # damaged: keep what came before it; the rest is read again from AoD
            good.append(text)
            size += len(text.encode('utf-8')) + 1
        return good, size

    # -- writing ------------------------------------------------------------------------------------------------

    def append(self, lines: Iterable[str], *, sync: bool) -> int:
        """Append whole lines; returns the bytes written. On any error the file is cut back to its last whole line
        and the error raised, so the archive never holds half a line."""
        data = ''.join(lines).encode('utf-8')
        if not data:
            return 0
        if self._fd is None:
            self._fd = os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        try:
            view = memoryview(data)
            while view:
                written = self._write(self._fd, bytes(view))
                view = view[written:]
            if sync:
                os.fsync(self._fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self.size)
            raise
        self.size += len(data)
        return len(data)

    def sync(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def compact(self) -> int:
        """Move the appended lines into the gzip file (as one more member); returns the packed size."""
        self.close()
        tail, _ = self._log_lines()
        if tail:
            old = self.packed.read_bytes() if self.packed.exists() else b''
            member = gzip.compress(('\n'.join(tail) + '\n').encode('utf-8'), compresslevel=6, mtime=0)
            replace_file(self.packed, old + member)
        with contextlib.suppress(FileNotFoundError):
            self.log.unlink()
        self.size = 0
        return self.packed.stat().st_size if self.packed.exists() else 0

    def remove(self) -> int:
        """Delete every file of this archive; returns the bytes freed."""
        self.close()
        freed = 0
        for path in (self.log, self.packed, self.meta):
            with contextlib.suppress(FileNotFoundError):
                freed += path.stat().st_size
                path.unlink()
        return freed

    def disk_bytes(self) -> int:
        total = 0
        for path in (self.log, self.packed):
            with contextlib.suppress(FileNotFoundError):
                total += path.stat().st_size
        return total

    def read_meta(self) -> dict[str, Any] | None:
        try:
            value = json.loads(self.meta.read_text(encoding='utf-8'))
        except (FileNotFoundError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def write_meta(self, meta: dict[str, Any]) -> None:
        replace_file(self.meta, json.dumps(meta, ensure_ascii=False, sort_keys=True).encode('utf-8'))
