"""A window of a session's archived output around one line, as a person reads it: for opening a session at a search
match that its hub no longer holds (a long session's page holds about `AOD_UI_STREAM_HOLD` of its latest lines).

Lines are cut and numbered as the index cuts and numbers them (`LineDemux` over every archived event), so a
search hit's `line` is the same line here. Blocking: call through `run_io`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path

from ..archive import SessionFiles, valid_id
from ..transcript import LineDemux, readable_line

__all__ = ['ArchivedLine', 'ArchivedWindow', 'archived_window']

TEXT_LIMIT = 4000
"""Characters of one line shown (the downloads have it whole)."""


@dataclass(frozen=True)
class ArchivedLine:
    line: int
    """The line's position in the session's output (0-based, as search hits number it)."""
    turn: int | None
    kind: str
    text: str


@dataclass(frozen=True)
class ArchivedWindow:
    """The readable lines around `at` (lines that show nothing, such as partial-message deltas, are left out)."""

    session_id: str
    at: int
    lines: list[ArchivedLine]
    total: int
    """Complete output lines archived."""

    @property
    def first(self) -> int | None:
        return self.lines[0].line if self.lines else None

    @property
    def last(self) -> int | None:
        return self.lines[-1].line if self.lines else None


def archived_window(folder: Path, session_id: str, at: int, *, before: int = 40, after: int = 40) -> ArchivedWindow:
    """Up to `before` readable lines before line `at`, the line itself and up to `after` after it, from the archive
    (an empty window for a session without one). Raises `OSError` or `ValueError` for an archive that cannot be
    read."""
    if not valid_id(session_id):
        return ArchivedWindow(session_id, at, [], 0)
    demux = LineDemux()
    earlier: deque[ArchivedLine] = deque(maxlen=before)
    later: list[ArchivedLine] = []
    number = 0
    for event in SessionFiles(folder, session_id).events():
        for turn, stream, text in demux.push(event) if isinstance(event, dict) else ():
            if len(later) <= after:
                kind, readable = readable_line(text[:TEXT_LIMIT * 4], stream)
                if readable.strip():
                    line = ArchivedLine(number, turn, kind, readable[:TEXT_LIMIT])
                    (earlier if number < at else later).append(line)
            number += 1
    return ArchivedWindow(session_id, at, [*earlier, *later], number)
