"""Cutting the `output` chunks of a stream into lines, in linear time.

A chunk may hold several lines or a piece of one, and a line may be megabytes long and arrive in thousands of
chunks, so the pieces of an unfinished line are kept in a list and joined once, when its newline arrives.
"""

from __future__ import annotations

from itertools import repeat
from operator import itemgetter
from typing import Any, NamedTuple

TERMINAL_TYPES = frozenset({'exit', 'error', 'terminated'})
"""Event types after which no more output of the turn can come, so unfinished lines are complete."""


class RawLine(NamedTuple):
    """One line of agent output exactly as written, without its newline."""

    turn: int
    stream: str
    text: str


_new_tuple = tuple.__new__  # builds RawLines in C: a chunk may hold thousands
_turn, _stream, _text = itemgetter(0), itemgetter(1), itemgetter(2)
_STDERR = 'stderr'


class LineDemux:
    """Turns stream events into the complete lines of stdout and stderr, per turn.

    An unfinished line is completed by its newline, by the start of another turn, by a terminal event
    (`exit`, `error`, `terminated`, but not `stale`: the session may go on), or by `flush()`.
    """

    def __init__(self) -> None:
        self.turn: int | None = None
        self._parts: dict[str, list[str]] = {'stdout': [], 'stderr': []}

    def push(self, event: dict[str, Any]) -> list[RawLine]:
        """Take one event; return the lines it completed, in order."""
        kind = event.get('type')
        if kind == 'output':
            done = self._switch(turn_of(event, self.turn))
            data = event.get('data')
            if isinstance(data, str) and data:
                self._split(output_stream(event), data, done)
            return done
        if kind == 'turn_start':
            return self._switch(turn_of(event, None if self.turn is None else self.turn + 1))
        if kind in TERMINAL_TYPES:
            return self.flush()
        return []

    def flush(self) -> list[RawLine]:
        """Complete the unfinished lines (stdout first, then stderr)."""
        return [RawLine(self._turn_now, stream, ''.join(parts)) for stream, parts in self._take_parts()]

    def saved(self) -> dict[str, Any]:
        """The turn and the unfinished lines, as JSON, for `restored` (a reader that resumes later)."""
        return {'turn': self.turn, 'parts': {s: ''.join(p) for s, p in self._parts.items() if p}}

    @classmethod
    def restored(cls, saved: dict[str, Any]) -> LineDemux:
        demux = cls()
        demux.turn = saved.get('turn')
        for stream, text in (saved.get('parts') or {}).items():
            if stream in demux._parts and text:
                demux._parts[stream] = [text]
        return demux

    def pending(self) -> list[RawLine]:
        """The unfinished lines, without completing them."""
        return [RawLine(self._turn_now, s, ''.join(p)) for s, p in self._parts.items() if p]

    @property
    def _turn_now(self) -> int:
        return 1 if self.turn is None else self.turn

    def _take_parts(self) -> list[tuple[str, list[str]]]:
        taken = [(stream, parts) for stream, parts in self._parts.items() if parts]
        for stream, _ in taken:
            self._parts[stream] = []
        return taken

    def _switch(self, turn: int) -> list[RawLine]:
        if turn == self.turn:
            return []
        done = self.flush()
        self.turn = turn
        return done

    def _split(self, stream: str, data: str, done: list[RawLine]) -> None:
        parts = self._parts[stream]
        if '\n' not in data:
            parts.append(data)
            return
        pieces = data.split('\n')
        if parts:
            parts.append(pieces[0])
            pieces[0] = ''.join(parts)
            parts.clear()
        tail = pieces.pop()
        if tail:
            parts.append(tail)
        done.extend(map(_new_tuple, repeat(RawLine), zip(repeat(self._turn_now), repeat(stream), pieces)))


class LineIndex:
    """An append-only list of lines that a page can show a window of, which may let go of its oldest lines.

    Positions are absolute: line `n` keeps its number after earlier lines were let go (`first` is the oldest line
    still held). Lines are kept as plain strings with their stream and turn alongside, not as one tuple each: a
    100,000-line session then adds a few lists for the garbage collector to walk, not 100,000 objects.
    """

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._stderr = bytearray()
        self._turns: list[int] = []
        self.first = 0
        """The position of the oldest line still held (how many were let go before it)."""

    @property
    def line_count(self) -> int:
        """How many complete lines there have been, including the ones let go."""
        return self.first + len(self._texts)

    def lines(self, start: int = 0, stop: int | None = None) -> list[RawLine]:
        """The held lines among positions `start` to `stop` (exclusive)."""
        begin, end = self._slice(start, stop)
        return [RawLine(turn, 'stderr' if err else 'stdout', text) for turn, err, text
                in zip(self._turns[begin:end], self._stderr[begin:end], self._texts[begin:end], strict=True)]

    def texts(self, start: int = 0, stop: int | None = None) -> list[str]:
        """The text of the held lines among positions `start` to `stop`, without their stream."""
        begin, end = self._slice(start, stop)
        return self._texts[begin:end]

    def append(self, line: RawLine) -> None:
        """Add one complete line."""
        self.extend([line])

    def extend(self, lines: list[RawLine]) -> None:
        """Add complete lines."""
        self._texts.extend(map(_text, lines))
        self._stderr.extend(map(_STDERR.__eq__, map(_stream, lines)))
        self._turns.extend(map(_turn, lines))

    def let_go(self, count: int) -> list[int]:
        """Forget the `count` oldest held lines; returns their turns."""
        count = min(count, len(self._texts))
        turns = self._turns[:count]
        del self._texts[:count], self._stderr[:count], self._turns[:count]
        self.first += count
        return turns

    def _slice(self, start: int, stop: int | None) -> tuple[int, int]:
        total = self.line_count
        start = total + start if start < 0 else start
        stop = total if stop is None else (total + stop if stop < 0 else stop)
        return max(0, start - self.first), max(0, min(total, stop) - self.first)

    def __len__(self) -> int:
        return self.line_count


def turn_of(event: dict[str, Any], default: int | None) -> int:
    """The turn an event names, else `default`, else 1."""
    turn = event.get('turn')
    if isinstance(turn, int) and not isinstance(turn, bool):
        return turn
    return 1 if default is None else default


def output_stream(event: dict[str, Any]) -> str:
    """`stderr` for stderr output; anything else counts as `stdout`."""
    return 'stderr' if event.get('stream') == 'stderr' else 'stdout'
