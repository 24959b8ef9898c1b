"""A session's status as its stream tells it, between two answers from AoD: the one place that rule lives.

AoD keeps a session `pending` through provisioning until just before `runtime_start`, `running` while the agent works,
and ends each turn with a terminal event. `exit` alone does not mean success: an agent that exits non-zero leaves the
session `failed` (which takes no follow-up), exactly like `error`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..status import ACTIVE
from ._lines import TERMINAL_TYPES, turn_of

__all__ = ['LiveStatus', 'status_after']


def status_after(status: str, events: Iterable[Mapping[str, Any]]) -> str:
    """The session's status after `events`, given `status` before them.

    `exit` with code 0 → `completed`, with any other code (or none) → `failed`; `error` → `failed`; `terminated` →
    `terminated`; the `runtime_start` stage, `turn_start` and `output` → `running`. Other events (stages before
    `runtime_start`, `stale`, `start`, types not known yet) leave the status as it was.
    """
    for event in events:
        kind = event.get('type')
        if kind == 'exit':
            code = event.get('code')
            status = 'completed' if code == 0 and not isinstance(code, bool) else 'failed'
        elif kind == 'error':
            status = 'failed'
        elif kind == 'terminated':
            status = 'terminated'
        elif kind in ('turn_start', 'output') or (kind == 'stage' and event.get('stage') == 'runtime_start'):
            status = 'running'
    return status


class LiveStatus:
    """A session's status on an open page: AoD's answer when the page opened, moved on by the events after it.

    A hub may still be reading the session's history when a page opens (a session read from AoD for the first time,
    or turns AoD ended before the page opened): events of turns AoD had already ended are history, and neither move
    the status (a replayed `turn_start` of turn 2 would read `running` again) nor count as a change to announce.
    Events of the turn AoD said was active, and of later turns (a follow-up), are live. Feed it every event from the
    start (the hub's replay when the page joins, then each push).
    """

    def __init__(self, status: str, turn_count: int) -> None:
        self.status = status
        self.first_live = max(1, turn_count) + (0 if status in ACTIVE else 1)
        """The first turn whose events are live."""
        self._turn = 1
        self._ended = False

    def feed(self, events: Iterable[Mapping[str, Any]]) -> str:
        """Take the events of one push; returns the status after them."""
        for event in events:
            kind = event.get('type')
            if kind in ('turn_start', 'output'):
                self._turn, self._ended = turn_of(dict(event), self._turn), False
            elif kind == 'stage' and self._ended:  # stages after a turn's end provision the next turn
                self._turn, self._ended = self._turn + 1, False
            if self._turn >= self.first_live:
                self.status = status_after(self.status, (event,))
            if kind in TERMINAL_TYPES:
                self._ended = True
        return self.status
