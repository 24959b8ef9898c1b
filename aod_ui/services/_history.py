"""Sessions as the archive keeps them: shown once AoD no longer has them, and downloaded whole.

Visibility is decided exactly as for a session AoD still has: by the dashboard's record of it (kept while its
archive lives), so a private session stays private through every archive path.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from storage import SessionRecord

from ..transcript import iter_jsonl, iter_text
from ..upstream import SessionInfo, TurnInfo

if TYPE_CHECKING:
    from ..archive import Archive
    from ..hub import HubRegistry, SessionHub

__all__ = ['Export', 'archived_info', 'archived_session', 'archived_turns', 'export_events']

PACE = 200
"""Rows per second AoD sends at best (100 rows per poll, a poll every 0.5 s): what a reader should expect."""


@dataclass(frozen=True)
class Export:
    """A download: its chunks, whether it is the whole session, and if not, a sentence saying what is missing."""

    chunks: list[str]
    complete: bool = True
    note: str = ''
    rows: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[str]:
        return iter(self.chunks)


def archived_info(session_id: str, meta: dict[str, Any], record: SessionRecord | None) -> SessionInfo:
    """What AoD last said about an archived session, as a `SessionInfo` (from the record when AoD said nothing)."""
    info = dict(meta.get('info') or {})
    info['id'] = session_id
    info.setdefault('status', 'completed' if meta.get('complete') else 'terminated')
    if record is not None:
        info.setdefault('agent_id', record.agent_id)
        if not info.get('created_at'):
            from datetime import UTC, datetime
            info['created_at'] = datetime.fromtimestamp(record.created_at, UTC).isoformat()
    return SessionInfo.from_json(info)


def archived_turns(meta: dict[str, Any], record: SessionRecord | None) -> list[TurnInfo]:
    prompts: dict[int, str] = {}
    with contextlib.suppress(TypeError, ValueError, AttributeError):
        prompts = {int(turn): str(prompt) for turn, prompt in (meta.get('info') or {}).get('prompts', {}).items()}
    if record is not None:
        prompts.setdefault(1, record.prompt)
        for followup in record.followups:
            if followup.turn is not None:
                prompts.setdefault(followup.turn, followup.prompt)
    status = str((meta.get('info') or {}).get('status') or 'completed')
    return [TurnInfo(turn_number=turn, prompt=prompt, status=status) for turn, prompt in sorted(prompts.items())]


def archived_session(meta: dict[str, Any], session_id: str, record: SessionRecord | None
                     ) -> tuple[SessionInfo, tuple[TurnInfo, ...]]:
    return archived_info(session_id, meta, record), tuple(archived_turns(meta, record))


def _chunks(kind: str, events: Iterable[dict[str, Any]], prompts: dict[int, str]) -> list[str]:
    return list(iter_jsonl(events) if kind == 'jsonl' else iter_text(events, prompts))


async def export_events(archive: Archive | None, hubs: HubRegistry, session_id: str, kind: str,
                        prompts: dict[int, str], *, active: bool, wait: float) -> Export:
    """The session's events for a download, from the archive; a session not archived to its end yet is read
    (through its hub) for up to `wait` seconds, and what is still missing then is said in `note`."""
    if archive is None:  # no archive (the command line): what the session's hub reads within `wait`
        reader = await hubs.opened(session_id)
        reader.follow()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader.settled.wait(), timeout=wait)
        held = list(reader.transcript.raw.events)
        missing = (f'the first {reader.dropped:,} events are no longer in memory' if reader.dropped else
                   '' if reader.archived_complete else 'the session was still being read from AoD')
        return Export(_chunks(kind, held, prompts), complete=not missing, rows=reader.rows_read,
                      note=f'Incomplete: {missing}.' if missing else '')
    hub: SessionHub | None = None
    if not archive.complete(session_id) and not archive.deleted_upstream(session_id):
        hub = hubs.hub(session_id)
        hub.follow()  # a person asked: read now through the session's one reader (a backfill would share it)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hub.settled.wait(), timeout=wait)
        if hub._log is not None:
            await hub._log.drain(sync=False)
    complete = archive.complete(session_id)
    events = await archive.events(session_id)
    if archive.problem is not None and session_id in archive.problem_sessions and hub is not None \
            and not hub.dropped:
        events = list(hub.transcript.raw.events)  # the disk is full: what the hub holds is the whole of it
        complete = archive.complete(session_id) or hub.archived_complete
    rows = sum(1 for e in events if e.get('type') in {'stage', 'output'})
    if complete:
        return Export(_chunks(kind, events, prompts), rows=rows)
    if archive.deleted_upstream(session_id):
        note = (f'Incomplete: AoD deleted this session before the dashboard had read all of it. This file holds '
                f'the {rows:,} rows that were read.')
    elif active:
        note = (f'The session is still running: this file holds the {rows:,} rows it has written so far. '
                'Download again once it has finished for the whole session.')
    elif archive.problem is not None:
        note = f'Incomplete ({rows:,} rows): {archive.problem}'
    else:
        note = (f'Incomplete: the dashboard has read {rows:,} rows of this session from AoD so far (AoD sends '
                f'about {PACE} rows a second) and goes on reading it in the background. Download again in a '
                'while for the whole session.')
    chunks = _chunks(kind, events, prompts)
    if kind != 'jsonl':
        chunks.insert(0, f'[incomplete] {note}\n')
    return Export(chunks, complete=False, note=note, rows=rows)
