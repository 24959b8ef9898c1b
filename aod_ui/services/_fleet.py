"""The operator's view of the whole fleet: what runs, what is stuck, what fails and why, what it costs.

Status, age and activity come from AoD's session list (one shared, cached call). What only the stream knows (the
failing provisioning stage and its message, the final `result`'s cost and duration) is read from the session's
archive once it holds the whole session (at most `reads_per_refresh` sessions per refresh, newest first), and kept:
a finished session never changes. A session not archived to its end yet is counted as not read yet, never stored
from a partial read.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from storage import Store

from ..errors import AodUiError, NotAllowed
from ..status import FINISHED
from ._facts import SessionFacts, facts_of
from ._policy import Actor, is_admin
from ._sessions import SessionRow, SessionService
from ._tokens import Upstreams

__all__ = ['FleetService', 'FleetSummary', 'SessionFacts', 'facts_of']


@dataclass
class FleetSummary:
    by_status: dict[str, int]
    active: int
    limit: int
    limit_source: str
    stuck_pending: list[SessionRow]
    silent_running: list[SessionRow]
    failures: list[tuple[str, str, int, list[str]]]
    """(stage or 'agent', message, count, a few session ids), most frequent first."""
    per_day: dict[str, Counter]
    per_person: Counter
    per_agent: dict[str, Counter]
    cost_by_agent: dict[str, float] = field(default_factory=dict)
    cost_by_person: dict[str, float] = field(default_factory=dict)
    duration_by_agent: dict[str, float] = field(default_factory=dict)
    """Mean seconds per finished session."""
    facts_known: int = 0
    facts_missing: int = 0
    reachable: bool | None = None
    latency_ms: float | None = None
    recent_errors: list[tuple[float, str, str]] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    """The prompt's first line of each session named in `failures` (of those the dashboard recorded)."""


class FleetService:
    """Builds the operator's summary (admins only)."""

    def __init__(self, sessions: SessionService, store: Store, upstreams: Upstreams, *, session_limit: int = 100,
                 stuck_pending_minutes: float = 15, silent_running_minutes: float = 30, days: int = 14,
                 reads_per_refresh: int = 25, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sessions = sessions
        self._clock = clock
        self.store = store
        self.upstreams = upstreams
        self.session_limit = session_limit
        self.stuck_pending = timedelta(minutes=stuck_pending_minutes)
        self.silent_running = timedelta(minutes=silent_running_minutes)
        self.days = days
        self.reads_per_refresh = reads_per_refresh
        self._facts: dict[str, SessionFacts] = {}

    async def probe(self) -> None:
        """Ask AoD's health endpoint, so reachability and latency are fresh."""
        for client in self.upstreams.every()[:1]:
            with contextlib.suppress(AodUiError):
                await client.health()

    async def summary(self, actor: Actor) -> FleetSummary:
        if not is_admin(actor):
            raise NotAllowed('Only admins may see the fleet.')
        await self.probe()
        rows = await self.sessions.list(actor)
        now = self._clock()
        by_status = Counter(r.status for r in rows)
        active = by_status['pending'] + by_status['running']
        shared = self.upstreams.shared
        known = shared.status.known_limit if shared is not None else None
        stuck = [r for r in rows if r.status == 'pending' and r.created_at and now - r.created_at > self.stuck_pending]
        # AoD does not move `updated_at` for output: the last activity counts what the session's hub read too
        silent = [r for r in rows if r.status == 'running' and now - (r.last_activity_at or now)
                  > self.silent_running]
        since = now - timedelta(days=self.days)
        recent = [r for r in rows if r.created_at and r.created_at >= since]
        per_day: dict[str, Counter] = defaultdict(Counter)
        for day in range(self.days):
            per_day[(now - timedelta(days=self.days - 1 - day)).strftime('%m-%d')] = Counter()
        for row in recent:
            per_day[row.created_at.astimezone().strftime('%m-%d')][row.status] += 1  # type: ignore[union-attr]
        per_person = Counter(row.owner or '(outside)' for row in recent)
        per_agent: dict[str, Counter] = defaultdict(Counter)
        for row in recent:
            per_agent[row.agent_name or '?'][row.status] += 1
        await self._learn([r for r in recent if r.status in FINISHED])
        failures: dict[tuple[str, str], list[str]] = defaultdict(list)
        cost_agent: dict[str, float] = defaultdict(float)
        cost_person: dict[str, float] = defaultdict(float)
        durations: dict[str, list[float]] = defaultdict(list)
        known_facts = missing = 0
        for row in recent:
            facts = self._facts.get(row.id)
            if row.status not in FINISHED:
                continue
            if facts is None:
                missing += 1
                continue
            known_facts += 1
            if row.status == 'failed':
                key = (facts.failed_stage or 'agent', facts.failure or f'exit code {row.exit_code}')
                failures[key].append(row.id)
            if facts.cost_usd is not None:
                cost_agent[row.agent_name or '?'] += facts.cost_usd
                cost_person[row.owner or '(outside)'] += facts.cost_usd
            if facts.duration_ms is not None:
                durations[row.agent_name or '?'].append(facts.duration_ms / 1000)
        grouped = sorted(((stage, message, len(ids), ids[:5]) for (stage, message), ids in failures.items()),
                         key=lambda item: -item[2])
        titles = {r.id: r.title for r in recent if r.recorded and any(r.id in ids for *_, ids in grouped)}
        return FleetSummary(
            by_status=dict(by_status), active=active, limit=known or self.session_limit,
            limit_source='from AoD\'s last 429' if known else 'from configuration', stuck_pending=stuck,
            silent_running=silent, failures=grouped, per_day=dict(per_day), per_person=per_person,
            per_agent=dict(per_agent), cost_by_agent=dict(cost_agent), cost_by_person=dict(cost_person),
            duration_by_agent={a: sum(v) / len(v) for a, v in durations.items()}, facts_known=known_facts,
            facts_missing=missing, reachable=shared.status.reachable if shared else None,
            latency_ms=shared.status.last_latency_ms if shared else None,
            recent_errors=sorted((e for c in self.upstreams.every() for e in c.recent_errors), reverse=True)[:15],
            titles=titles)

    async def _learn(self, finished: list[SessionRow]) -> None:
        """Learn the facts of up to `reads_per_refresh` finished sessions not known yet, newest first (shared with
        the fair share's monthly costs: each session's archive is read once)."""
        unknown = [r for r in sorted(finished, key=lambda r: r.created_at or datetime.min.replace(tzinfo=UTC),
                                     reverse=True) if r.id not in self._facts][:self.reads_per_refresh]
        results = await asyncio.gather(*(self._read(r.id) for r in unknown), return_exceptions=True)
        for row, result in zip(unknown, results, strict=True):
            if isinstance(result, SessionFacts):
                self._facts[row.id] = result

    async def _read(self, session_id: str) -> SessionFacts | None:
        """The facts of a session archived to its end; None for one that is not yet (never stored as final then)."""
        return await self.sessions.fair_share.facts.facts(session_id)
