"""A session's status as its stream tells it, between two answers from AoD: the one place that rule lives.

AoD keeps a session `pending` through provisioning until just before `runtime_start`, `running` while the agent works,
and ends each turn with a terminal event. `exit` alone does not mean success: an agent that exits non-zero leaves the
session `failed` (which takes no follow-up), exactly like `error`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ['status_after']


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
