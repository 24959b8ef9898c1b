"""What the archive holds, as the search index compares itself with it (blocking: the index's writer thread)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from ..archive import SessionFiles, valid_id

__all__ = ['archived_events', 'archived_ids', 'unmatched']


def archived_ids(folder: Path) -> set[str]:
    """The sessions that have archived events."""
    names: list[str] = []
    with contextlib.suppress(FileNotFoundError):
        names = [entry.name for entry in folder.iterdir()]
    return {name.split('.', 1)[0] for name in names
            if name.endswith(('.jsonl', '.jsonl.gz')) and valid_id(name.split('.', 1)[0])}


def archived_events(files: SessionFiles) -> int:
    """How many events a session's archive holds (from its index entry when it was packed whole)."""
    meta = files.read_meta() or {}
    if not files.log.exists() and isinstance(meta.get('events'), int):
        return int(meta['events'])
    return len(files.scan(repair=False).lines)


def unmatched(indexed: dict[str, int], folder: Path) -> set[str]:
    """Sessions whose events indexed (`indexed`: id → events) differ from what their archive holds, and sessions
    indexed but no longer archived."""
    archived = archived_ids(folder)
    found = set(indexed) - archived
    for session_id in archived:
        try:
            count = archived_events(SessionFiles(folder, session_id))
        except (OSError, ValueError):
            continue  # unreadable: left as indexed (the archive's own repair deals with it)
        if indexed.get(session_id) != count:
            found.add(session_id)
    return found
