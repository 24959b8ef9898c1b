"""A session's status as its stream tells it, between two answers from AoD: the one place that rule lives.

AoD keeps a session `pending` through provisioning until just before `runtime_start`, `running` while the agent works,
and ends each turn with a terminal event. `exit` alone does not mean success: an agent that exits non-zero leaves the
session `failed` (which takes no follow-up), exactly like `error`.

`SessionStatus` is the session's current status as one fact, fed by both sources: AoD's answers (a session read, a
follow-up's or a stop's acknowledgement) and the stream's events. They come over different connections, so an
answer can be older than an event already read (a `running` asked for before the `exit` just read). AoD's lifecycle
orders them: within a turn a session only moves on (pending, running, then completed or failed, and terminated from
any of these), and only a follow-up starts a later turn. So the fact takes what is not behind it and ignores the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ['SessionStatus', 'status_after']

STEP = {'pending': 0, 'running': 1, 'completed': 2, 'failed': 2, 'terminated': 3}
"""How far within a turn each status is; a status AoD names that is not listed counts as `running`."""


def status_of(event: Mapping[str, Any]) -> str | None:
    """The status one stream event implies, or None when it says nothing about it."""
    kind = event.get('type')
    if kind == 'exit':
        code = event.get('code')
        return 'completed' if code == 0 and not isinstance(code, bool) else 'failed'
    if kind == 'error':
        return 'failed'
    if kind == 'terminated':
        return 'terminated'
    if kind in ('turn_start', 'output') or (kind == 'stage' and event.get('stage') == 'runtime_start'):
        return 'running'
    return None


def status_after(status: str, events: Iterable[Mapping[str, Any]]) -> str:
    """The session's status after `events`, given `status` before them.

    `exit` with code 0 → `completed`, with any other code (or none) → `failed`; `error` → `failed`; `terminated` →
    `terminated`; the `runtime_start` stage, `turn_start` and `output` → `running`. Other events (stages before
    `runtime_start`, `stale`, `start`, types not known yet) leave the status as it was.
    """
    for event in events:
        status = status_of(event) or status
    return status


def _turn(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


class SessionStatus:
    """A session's current status (`value`, empty until the first answer or event) and the turn it is about."""

    def __init__(self) -> None:
        self.value = ''
        self.turn = 0
        """The latest turn heard of (0 while none is known)."""

    def answer(self, status: str, turn: int | None = None) -> bool:
        """What AoD answered (with its current turn, when the answer names one); returns whether `value` changed."""
        return self._move(status, _turn(turn))

    def hear(self, events: Iterable[Mapping[str, Any]]) -> bool:
        """Stream events, each delivered once and in order; returns whether `value` changed."""
        before = self.value
        for event in events:
            status = status_of(event)
            if status is not None:
                self._move(status, _turn(event.get('turn')) if event.get('type') in ('turn_start', 'output') else None)
        return self.value != before

    def _move(self, status: str, turn: int | None) -> bool:
        """Take `status` of `turn` (None: the latest known) unless it is behind what is known."""
        if not status:
            return False
        turn = turn or self.turn
        if turn < self.turn:
            return False  # about an earlier turn
        if turn == self.turn and self.value and STEP.get(status, 1) < STEP.get(self.value, 1):
            return False  # an earlier step of the same turn
        changed = status != self.value
        self.value, self.turn = status, turn
        return changed
