"""The dashboard's own copy of every session it reads from AoD: kept on disk, served back at once, kept after AoD
forgets. Domain code (no NiceGUI `ui`).

- `_files`: one session's files (JSON lines appended while active, gzipped when ended) and their repair;
- `_log`: the writer a session's hub appends to, and the `Seed` a hub starts from;
- `_archive`: the index of every archive, their size, growth and write problems;
- `_follower`: follows active sessions (watched or not) and backfills finished ones, newest first, at a bounded rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ._archive import Archive, ArchiveListener, ArchiveUsage
from ._files import Line, SessionFiles, encode, event_of, valid_id
from ._log import Seed, SessionLog

__all__ = ['Archive', 'ArchiveListener', 'ArchiveUsage', 'EventLog', 'Line', 'Seed', 'SessionFiles', 'SessionLog',
           'encode', 'event_of', 'snapshot', 'valid_id']

SNAPSHOT_FIELDS = ('status', 'agent_id', 'environment_id', 'exit_code', 'turn_count', 'current_turn')


class EventLog(Protocol):
    """What a hub needs from its session's archive: `SessionLog` satisfies it."""

    async def load(self, hold: int) -> Seed: ...

    async def earlier(self, count: int) -> Sequence[Line]: ...

    def append(self, cursor: int | None, payload: dict[str, Any]) -> None: ...

    async def finish(self, info: dict[str, Any] | None = None) -> None: ...

    async def gone(self) -> None: ...

    async def drain(self, *, sync: bool = True) -> None: ...

    async def close(self) -> None: ...

    def info(self) -> dict[str, Any]: ...

    async def remember(self, info: dict[str, Any]) -> None: ...


def snapshot(info: Any) -> dict[str, Any]:
    """What AoD said about a session (a `SessionInfo`), as JSON, so it can be shown once AoD no longer has it."""
    values: dict[str, Any] = {name: getattr(info, name, None) for name in SNAPSHOT_FIELDS}
    for name in ('created_at', 'updated_at'):
        moment = getattr(info, name, None)
        values[name] = moment.isoformat() if moment is not None else None
    values['runtime'] = getattr(info, 'runtime_family', '') or ''
    values['resources'] = [dict(r) for r in getattr(info, 'resources', ()) or ()]
    return values
