"""What a finished session's whole stream tells (its reported cost and duration, why it failed), read from the
archive once it holds the session to its end, and kept: a finished session never changes.

Facts are kept under `facts.v2:<id>` in the store, so they are learnt once whoever asks first (Operations, or the
monthly budget at a launch); a session not archived whole yet is never stored from a partial read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage import Store, run_io

from ..transcript import ResultEntry, StageEntry, Transcript

if TYPE_CHECKING:
    from ..archive import Archive

__all__ = ['FactsReader', 'SessionFacts', 'facts_of']


@dataclass(frozen=True)
class SessionFacts:
    """What a finished session's stream tells: cost and duration from the final result, and why it failed."""

    cost_usd: float | None = None
    duration_ms: int | None = None
    failed_stage: str | None = None
    failure: str | None = None


class FactsReader:
    """A session's facts from the store, else from its whole archive (then stored); None while it is not whole."""

    def __init__(self, store: Store, archive: Archive | None) -> None:
        self.store = store
        self.archive = archive
        self._known: dict[str, SessionFacts] = {}

    def cached(self, session_id: str) -> SessionFacts | None:
        """The facts already learnt, without reading anything."""
        facts = self._known.get(session_id)
        if facts is None:
            stored = self.store.kv.get(key(session_id))
            if stored is not None:
                facts = self._known[session_id] = SessionFacts(**stored)
        return facts

    async def facts(self, session_id: str) -> SessionFacts | None:
        """The facts of a session archived to its end; None for one that is not yet."""
        known = self.cached(session_id)
        if known is not None:
            return known
        archive = self.archive
        if archive is None or not archive.complete(session_id):
            return None
        events = await archive.events(session_id)
        if not archive.complete(session_id):  # removed or reopened meanwhile
            return None
        facts = self._known[session_id] = await run_io(facts_of, events)
        await run_io(self.store.kv.set, key(session_id), dict(facts.__dict__))
        return facts


def key(session_id: str) -> str:
    """Where a session's facts are kept (v2: v1 could hold partial reads, which are not believed)."""
    return f'facts.v2:{session_id}'


def facts_of(events: list[dict[str, Any]]) -> SessionFacts:
    """Cost and duration from the final results, and the failing stage, of a whole session's events."""
    transcript = Transcript()
    for event in events:
        transcript.feed(event)
    transcript.flush()
    facts: dict[str, Any] = {}
    for entry in transcript.entries:
        if isinstance(entry, ResultEntry):
            facts['cost_usd'] = entry.cost_usd if entry.cost_usd is None else (facts.get('cost_usd') or 0) + \
                entry.cost_usd
            facts['duration_ms'] = (facts.get('duration_ms') or 0) + (entry.duration_ms or 0)
        elif isinstance(entry, StageEntry) and entry.state == 'failed':
            facts['failed_stage'] = entry.name
            facts['failure'] = (entry.message or 'failed')[:200]
    return SessionFacts(**facts)
