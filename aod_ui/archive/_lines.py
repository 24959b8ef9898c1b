"""Archive lines as a reader sees them: a line's cursor and type read without parsing its event (`parse_head`), and the
lines of a packed file whose members the index recorded, inflated member by member and parsed only when looked at
(`PackedLines`). Part of the archive's files (`_files.py`)."""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ['Line', 'PackedLines', 'members_of', 'parse_head', 'read_table', 'split_lines', 'table_ends']


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


def split_lines(text: str) -> list[str]:
    """The lines of `text`, at its newlines only: an event's text may hold other line separators (U+2028, U+0085),
    which JSON leaves as they are and `str.splitlines` would split at."""
    lines = text.split('\n')
    if lines[-1] == '':
        lines.pop()
    return lines


def read_table(members: Any) -> list[tuple[int, int]] | None:
    """A recorded member table (`[[offset, lines], ...]`, offsets rising from 0), or None."""
    try:
        table = [(int(offset), int(lines)) for offset, lines in members]
    except (TypeError, ValueError):
        return None
    offsets = [offset for offset, _ in table]
    if (table and offsets[0] != 0) or offsets != sorted(set(offsets)) or any(lines < 0 for _, lines in table):
        return None
    return table


def table_ends(data: bytes, table: list[tuple[int, int]]) -> bool:
    """Whether the last member `table` records is whole and ends `data` (nothing was packed after it)."""
    if not table:
        return not data
    offset, count = table[-1]
    try:
        _inflate(data[offset:], count)
    except ValueError:
        return False
    return True


def members_of(data: bytes) -> list[tuple[int, int]] | None:
    """Where each gzip member of `data` starts and how many lines it holds (None when it is damaged)."""
    table: list[tuple[int, int]] = []
    offset = 0
    try:
        while offset < len(data):
            inflater = zlib.decompressobj(31)
            text = inflater.decompress(memoryview(data)[offset:])
            if not inflater.eof:
                return None
            table.append((offset, text.count(b'\n')))
            offset = len(data) - len(inflater.unused_data)
    except zlib.error:
        return None
    return table


def _inflate(data: bytes, count: int) -> list[str]:
    """The lines of one whole gzip member, which must hold exactly `count` of them."""
    try:
        inflater = zlib.decompressobj(31)
        text = inflater.decompress(data)
        whole = inflater.eof and not inflater.unused_data
        lines = split_lines(text.decode('utf-8'))
    except (zlib.error, UnicodeDecodeError) as error:
        raise ValueError(f'a packed member is damaged ({error})') from None
    if not whole or len(lines) != count:
        raise ValueError('a packed member is not what the index recorded')
    return lines


class PackedLines(Sequence[Line]):
    """The lines of a packed file whose members the index recorded (`[offset, lines]` each), inflated member by
    member as lines are looked at: the tail of a long session costs its own members, not the whole file. Slices
    are views. A member that is not what the index says raises `ValueError` when it is read."""

    def __init__(self, data: bytes, members: list[tuple[int, int]], window: tuple[int, int] | None = None,
                 cache: dict[int, list[str]] | None = None) -> None:
        self._data = data
        self._members = members
        self._starts: list[int] = []
        total = 0
        for _, count in members:
            self._starts.append(total)
            total += count
        self._start, self._stop = window if window is not None else (0, total)
        self._cache = {} if cache is None else cache

    def __len__(self) -> int:
        return self._stop - self._start

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError('packed lines are sliced in order')
            return PackedLines(self._data, self._members, (self._start + start, self._start + max(start, stop)),
                               self._cache)
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        at = self._start + index
        member = bisect.bisect_right(self._starts, at) - 1
        return parse_head(self._texts(member)[at - self._starts[member]])

    def __iter__(self) -> Iterator[Line]:
        if self._start >= self._stop:
            return
        for member in range(bisect.bisect_right(self._starts, self._start) - 1, len(self._members)):
            first = self._starts[member]
            if first >= self._stop:
                return
            texts = self._cache.get(member) or self._inflate(member)  # not kept: a whole read stays small
            for text in texts[max(0, self._start - first):self._stop - first]:
                yield parse_head(text)

    def _texts(self, member: int) -> list[str]:
        texts = self._cache.get(member)
        if texts is None:
            texts = self._inflate(member)
            if len(self._cache) >= 4:
                self._cache.pop(next(iter(self._cache)))
            self._cache[member] = texts
        return texts

    def _inflate(self, member: int) -> list[str]:
        offset, count = self._members[member]
        end = self._members[member + 1][0] if member + 1 < len(self._members) else len(self._data)
        return _inflate(self._data[offset:end], count)
