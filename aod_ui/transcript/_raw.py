"""The raw log: the events exactly as received, and the exact output lines for the raw view."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from ._export import iter_jsonl, iter_text
from ._lines import LineDemux, LineIndex, RawLine


class RawLog:
    """Keeps the events (nothing is clipped) and indexes the output lines, overall and per turn.

    Events are kept by reference, as received; do not mutate them afterwards. The oldest events and lines can be
    let go (`let_go_events`, `let_go_lines`) to bound memory; `complete` says whether every event is still held.
    Lines are the exact stdout and stderr text, cut at newlines (a `\\r` stays part of its line). A line without
    its newline yet is not in the index; `pending()` shows it until a newline, another turn, a terminal event or
    `flush()` completes it.
    """

    def __init__(self) -> None:
        self._events: list[dict[str, Any]] = []
        self._demux = LineDemux()
        self._all = LineIndex()
        self._turns: dict[int, LineIndex] = {}
        self.events_dropped = 0
        """How many of the oldest events were let go."""

    @property
    def events(self) -> Sequence[dict[str, Any]]:
        """The events held, in the order received (a live view: do not modify)."""
        return self._events

    @property
    def complete(self) -> bool:
        """Whether every event received is still held (so the downloads can be made from here)."""
        return self.events_dropped == 0

    @property
    def lines(self) -> LineIndex:
        """All complete output lines of all turns."""
        return self._all

    @property
    def turns(self) -> list[int]:
        """The turns that have output lines, in the order they first had one."""
        return list(self._turns)

    def turn_lines(self, turn: int) -> LineIndex:
        """The complete output lines of one turn (an empty index for a turn without output)."""
        return self._turns.get(turn) or LineIndex()

    def pending(self) -> list[RawLine]:
        """The unfinished last line of stdout and of stderr, if any."""
        return self._demux.pending()

    def append(self, event: dict[str, Any]) -> list[RawLine]:
        """Keep one event; return the output lines it completed."""
        self._events.append(event)
        return self._index(self._demux.push(event) if isinstance(event, dict) else [])

    def flush(self) -> list[RawLine]:
        """Complete any unfinished lines (when a stream ends without a terminal event); return them."""
        return self._index(self._demux.flush())

    def let_go_events(self, count: int) -> None:
        """Forget the `count` oldest events."""
        count = min(count, len(self._events))
        del self._events[:count]
        self.events_dropped += count

    def let_go_lines(self, count: int) -> None:
        """Forget the `count` oldest output lines, overall and in their turns."""
        for turn, gone in Counter(self._all.let_go(count)).items():
            self._turns[turn].let_go(gone)

    def to_jsonl(self) -> Iterator[str]:
        """The events as JSON Lines, exactly as received, in chunks."""
        return iter_jsonl(self._events)

    def to_text(self, prompts: Mapping[int, str] | None = None) -> Iterator[str]:
        """A readable plain-text transcript of everything received, in chunks; `prompts` maps turns to prompts."""
        return iter_text(self._events, prompts)

    def __len__(self) -> int:
        return self.events_dropped + len(self._events)

    def _index(self, lines: list[RawLine]) -> list[RawLine]:
        self._all.extend(lines)
        for turn, group in groupby(lines, key=itemgetter(0)):
            index = self._turns.get(turn)
            if index is None:
                index = self._turns[turn] = LineIndex()
            index.extend(list(group))
        return lines
