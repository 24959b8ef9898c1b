"""One session's archive on disk: its events as JSON lines, appended while the session runs, gzipped once it ended.

Files, in the archive folder (all mode 0600):

    <id>.jsonl       events appended since the last compaction (while the session is active, or being read)
    <id>.jsonl.gz    every earlier event, compressed (gzip members of at most MEMBER_LINES lines each)
    <id>.meta.json   what the index needs without opening the events (replaced atomically), with where each
                     member of the `.gz` starts, so a finished session's tail is read without the rest

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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage._files import FILE_MODE, replace_file

from ._lines import Line, PackedLines, members_of, parse_head, read_table, split_lines, table_ends

__all__ = ['Line', 'PackedLines', 'Scan', 'SessionFiles', 'encode', 'parse_head', 'valid_id']

TERMINAL = frozenset({'exit', 'error', 'terminated', 'stale'})
_ID = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]{0,127}')
_TYPE = re.compile(r'[A-Za-z0-9_.-]*')
MEMBER_LINES = 1000
"""Lines per gzip member: a hub holding the last few thousand events inflates a few members, not the session."""
WriteHook = Callable[[int, bytes], int]
"""`os.write`, or a stand-in (tests make it raise `OSError(ENOSPC)`, as a full disk does)."""


def valid_id(session_id: str) -> bool:
    """Whether a session id can name files (AoD's ids are UUIDs)."""
    return bool(_ID.fullmatch(session_id)) and '..' not in session_id


def kind_of(payload: dict[str, Any]) -> str:
    """An event's type as its archive line records it."""
    kind = str(payload.get('type') or '')
    return kind if _TYPE.fullmatch(kind) else '?'


def encode(cursor: int | None, payload: dict[str, Any]) -> str:
    """One archive line, with its newline."""
    kind = kind_of(payload)
    body = json.dumps(payload, ensure_ascii=False, separators=(',', ':'))
    return f'{{"c":{"null" if cursor is None else int(cursor)},"t":"{kind}","e":{body}}}\n'


def event_of(line: Line) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(line.text)['e']
    return payload


@dataclass
class Scan:
    """What loading found: every line (unparsed) and what resuming needs."""

    lines: Sequence[Line] = field(default_factory=list)
    cursor: int | None = None
    rows: int = 0
    """Lines that are AoD log rows (`stage`, `output`: they carry a cursor and are not terminal)."""
    seen_start: bool = False
    turns_started: set[int] = field(default_factory=set)
    endings: set[tuple[str, int]] = field(default_factory=set)
    last_type: str = ''
    count: int = 0
    """Lines counted."""
    turns_at: list[int] = field(default_factory=list)
    """Where the turn headers (`turn_start`) are among the lines (indices)."""

    def add(self, line: Line) -> None:
        self.lines.append(line)  # type: ignore[attr-defined]
        self.note(line.cursor, line.type, lambda: event_of(line))

    def note(self, cursor: int | None, kind: str, event: Callable[[], dict[str, Any]]) -> None:
        """Count one line (`event` gives its event, parsed only when needed) without keeping it."""
        self.last_type = kind
        self.count += 1
        if kind == 'start':
            self.seen_start = True
        elif kind == 'turn_start':
            self.turns_at.append(self.count - 1)
            with contextlib.suppress(KeyError, TypeError, ValueError):
                self.turns_started.add(int(event()['turn']))
        elif cursor is not None:
            if kind in TERMINAL:
                self.endings.add((kind, cursor))
            else:
                self.rows += 1
            if self.cursor is None or cursor > self.cursor:
                self.cursor = cursor

    def summary(self) -> dict[str, Any]:
        """What resuming needs, for the archive's index: a finished session is then loaded by its tail alone."""
        return {'cursor': self.cursor, 'rows': self.rows, 'seen_start': self.seen_start,
                'turns': sorted(self.turns_started), 'endings': sorted([kind, cursor] for kind, cursor in self.endings),
                'last_type': self.last_type, 'count': self.count, 'turns_at': self.turns_at}

    @classmethod
    def of(cls, lines: Sequence[Line], summary: Any) -> Scan | None:
        """`lines` with what `summary()` recorded of them; None when the record is not one."""
        try:
            cursor = summary['cursor']
            scan = cls(lines, None if cursor is None else int(cursor), int(summary['rows']),
                       bool(summary['seen_start']), {int(turn) for turn in summary['turns']},
                       {(str(kind), int(at)) for kind, at in summary['endings']}, str(summary['last_type']),
                       int(summary['count']), [int(at) for at in summary['turns_at']])
        except (KeyError, TypeError, ValueError):
            return None
        if scan.count != len(lines) or any(not 0 <= at < len(lines) for at in scan.turns_at):
            return None
        return scan


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
        # the appended file before the packed one: a compaction in between then shows as lines both hold
        tail, whole = self._log_lines()
        packed = self._packed_lines()
        for text in packed:
            scan.add(parse_head(text))
        if repair and self.log.exists() and whole != self.log.stat().st_size:
            with open(self.log, 'r+b') as file:  # a torn last line: AoD sends that event again
                file.truncate(whole)
                os.fsync(file.fileno())
        if packed and tail and len(tail) <= len(packed) and packed[-len(tail):] == tail:
            # compaction finished but the crash came before the appended file was removed
            if repair:
                with contextlib.suppress(FileNotFoundError):
                    self.log.unlink()
            tail = []
        for text in tail:
            scan.add(parse_head(text))
        self.size = whole if tail else 0
        return scan

    def finished(self, count: int, summary: Any, members: Any) -> Scan | None:
        """A finished session's lines, all packed, with what was recorded of them when it was packed, read member
        by member as they are looked at; None (read them with `scan`) unless the recorded members hold exactly
        `count` lines and nothing was appended since."""
        table = read_table(members)
        if table is None or self.log.exists() or sum(lines for _, lines in table) != count:
            return None
        data = self.packed.read_bytes()
        if table and table[-1][0] >= len(data):
            return None
        return Scan.of(PackedLines(data, table), summary)

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
        try:  # in one piece: a long session decompresses and splits several times faster than through a text stream
            return split_lines(gzip.decompress(self.packed.read_bytes()).decode('utf-8'))
        except (EOFError, gzip.BadGzipFile, zlib.error, UnicodeDecodeError) as error:
            raise ValueError(f'{self.packed.name} is damaged ({error})') from None

    def _log_lines(self) -> tuple[list[str], int]:
        """The whole lines of the appended file, and the size they take (a torn last line is not counted)."""
        if not self.log.exists():
            return [], 0
        data = self.log.read_bytes()
        whole = data.rfind(b'\n') + 1
        lines = split_lines(data[:whole].decode('utf-8'))
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

    def compact(self, members: Any = None) -> tuple[int, list[list[int]] | None]:
        """Move the appended lines into the gzip file (as members of at most MEMBER_LINES lines); returns the packed
        size and where each member starts (`[offset, lines]`), from `members` (what was recorded of the file
        before) or read from the file; None when the file's members cannot be told."""
        self.close()
        tail, _ = self._log_lines()
        old = self.packed.read_bytes() if self.packed.exists() else b''
        table = read_table(members)
        if table is None or not table_ends(old, table):  # (a crash between a compaction and its record)
            table = members_of(old)
        if tail:
            parts = [old]
            size = len(old)
            for first in range(0, len(tail), MEMBER_LINES):
                chunk = tail[first:first + MEMBER_LINES]
                member = gzip.compress(('\n'.join(chunk) + '\n').encode('utf-8'), compresslevel=6, mtime=0)
                if table is not None:
                    table.append((size, len(chunk)))
                parts.append(member)
                size += len(member)
            replace_file(self.packed, b''.join(parts))
        with contextlib.suppress(FileNotFoundError):
            self.log.unlink()
        self.size = 0
        packed = self.packed.stat().st_size if self.packed.exists() else 0
        return packed, None if table is None else [[offset, lines] for offset, lines in table]

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
