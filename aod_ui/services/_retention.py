"""The retention policy: which sessions to delete (finished and old) or stop then delete (stuck), and the runs that
do it, safely.

- A dry run (`plan`) lists exactly what a run would do and why; nothing is touched.
- A run re-checks each session right before acting on it, so a session that changed since the plan (pinned,
  followed up, deleted by someone else) is left alone; it follows AoD's rules (terminate, wait until no longer
  active, delete; 409 on terminate is fine, 409 on delete is retried later, 404 means already gone); it paces its
  calls to AoD; and it writes its progress after every session, so a run cut short by a restart resumes where it
  stopped without acting on anything twice.
- Only one run at a time.
- The dashboard's archive keeps a copy of every session AoD deleted (its record too, which keeps deciding who may
  read it) until `archive_days` after the deletion was noticed; the plan lists those copies beside AoD's sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from storage import SessionRecord, Store, run_io

from ..errors import ActionError, AodUiError, NotAllowed, UpstreamError
from ..hub import spawn_detached
from ..status import ACTIVE, FINISHED
from ..upstream import SessionInfo
from ._policy import Actor, is_admin
from ._tokens import Upstreams

__all__ = ['PlanItem', 'RetentionPolicy', 'RetentionService', 'RunReport']

log = logging.getLogger(__name__)
RUN_KEY = 'retention.run'
PROGRESS_KEY = 'retention.progress'
LAST_KEY = 'retention.last'


@dataclass(frozen=True)
class RetentionPolicy:
    """Finished sessions older than `days` are deleted (per-agent `agent_days` win); sessions still active after
    `stuck_hours` are stopped, then deleted. Zero switches a rule off. Pinned sessions are never touched."""

    days: float = 0.0
    stuck_hours: float = 0.0
    agent_days: dict[str, float] = field(default_factory=dict)
    """By agent name or id."""
    archive_days: float = 0.0
    """The archived copy of a session AoD no longer has is removed this many days after that was noticed."""

    @property
    def enabled(self) -> bool:
        return self.days > 0 or self.stuck_hours > 0 or self.archive_days > 0 or \
            any(d > 0 for d in self.agent_days.values())

    def describe(self) -> str:
        parts = [f'delete finished sessions after {self.days:g} days' if self.days > 0 else
                 'keep finished sessions (no age limit)']
        parts += [f'{name}: {days:g} days' for name, days in sorted(self.agent_days.items())]
        parts.append(f'stop and delete sessions still active after {self.stuck_hours:g} hours'
                     if self.stuck_hours > 0 else 'never stop active sessions')
        parts.append(f'remove archived copies {self.archive_days:g} days after AoD deleted the session'
                     if self.archive_days > 0 else 'keep archived copies of sessions AoD deleted')
        return '; '.join(parts) + '; pinned sessions are kept'

    def decide(self, info: SessionInfo, record: SessionRecord | None, agent_name: str, now: datetime
               ) -> tuple[str, str] | None:
        """(action, reason) for one session, or None to keep it."""
        if record is not None and record.pinned:
            return None
        if info.created_at is None:
            return None
        if info.status in FINISHED:
            days = self.agent_days.get(agent_name, self.agent_days.get(info.agent_id or '', self.days))
            ended = info.updated_at or info.created_at
            age = (now - ended).total_seconds() / 86400
            if days > 0 and age > days:
                return 'delete', f'{info.status} {age:.1f} days ago (limit {days:g} days)'
        elif info.status in ACTIVE and self.stuck_hours > 0:
            hours = (now - info.created_at).total_seconds() / 3600
            if hours > self.stuck_hours:
                return 'stop+delete', f'still {info.status} after {hours:.1f} hours (limit {self.stuck_hours:g} h)'
        return None


@dataclass(frozen=True)
class PlanItem:
    session_id: str
    action: str
    reason: str
    status: str
    agent: str
    owner: str
    title: str


@dataclass
class RunReport:
    """What one run did."""

    id: str
    by: str
    started_at: float
    applied: bool
    planned: int = 0
    deleted: int = 0
    stopped: int = 0
    skipped: int = 0
    deferred: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    finished_at: float | None = None
    resumed: bool = False
    copies_removed: int = 0

    def summary(self) -> str:
        text = (f'{self.planned} planned, {self.deleted} deleted, {self.copies_removed} archived copies removed, '
                f'{self.stopped} stopped, {self.skipped} no longer '
                f'matching, {self.deferred} left for the next run (still active), {len(self.failed)} failed')
        return text + (' (resumed after a restart)' if self.resumed else '')


class RetentionService:
    """Plans and runs the retention policy."""

    def __init__(self, store: Store, upstreams: Upstreams, list_sessions: Callable, agent_name: Callable[[str | None],
                 str], *, policy: RetentionPolicy, rate: float = 5.0, stop_wait: float = 30.0, archive: Any = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 timer: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.store = store
        self._clock = clock
        self._timer = timer
        """Seconds for pacing calls to AoD and waiting for a stop (injected by tests with `sleep`)."""
        self._sleep = sleep
        self.archive = archive
        """The `aod_ui.archive.Archive`, if the dashboard archives sessions."""
        self.upstreams = upstreams
        self._list_sessions = list_sessions
        self._agent_name = agent_name
        self.policy = policy
        self.rate = rate
        self.stop_wait = stop_wait
        self._lock = asyncio.Lock()
        self.current: RunReport | None = None
        self._last_call = 0.0

    @property
    def running(self) -> bool:
        return self._lock.locked()

    def last_report(self) -> dict | None:
        return self.store.kv.get(LAST_KEY)

    def last_run(self) -> RunReport | None:
        """The report of the last run that finished, as it was kept."""
        last = self.last_report()
        return None if not last else RunReport(**{**last, 'failed': [tuple(f) for f in last['failed']]})

    def start(self, actor: Actor | None) -> None:
        """Start a run in the background for an admin (as they are now); its report goes to the status line and the
        audit trail.

        :raises NotAllowed: if `actor` is not an admin now
        :raises ActionError: if a run is already under way
        """
        by = self.authorize(actor).username
        if self.running:
            raise ActionError('A retention run is already under way.')

        async def run() -> None:
            with contextlib.suppress(AodUiError):  # the run's report and the audit trail say how it went
                await self.run(by)
        spawn_detached(run(), f'retention run by {by}')

    @staticmethod
    def authorize(actor: Actor | None) -> Actor:
        """The person asking for a dry run or a run, if they are an admin at this moment (pass them as they are
        now, not as a page saw them when it opened)."""
        if actor is None or not is_admin(actor):
            raise NotAllowed('Only admins may see or run the retention policy.')
        return actor

    async def plan(self, now: datetime | None = None) -> list[PlanItem]:
        """Exactly what a run would do now, oldest first, and why."""
        now = now or self._clock()
        sessions: list[SessionInfo] = await self._list_sessions()
        records = {r.session_id: r for r in self.store.sessions.all()}
        items = []
        for info in sorted(sessions, key=lambda i: i.created_at or now):
            record = records.get(info.id)
            agent = (record.agent_name if record and record.agent_name else self._agent_name(info.agent_id))
            decision = self.policy.decide(info, record, agent, now)
            if decision is not None:
                items.append(PlanItem(session_id=info.id, action=decision[0], reason=decision[1], status=info.status,
                                      agent=agent, owner=record.owner if record else '',
                                      title=(record.prompt.strip().splitlines() or [''])[0][:100] if record else ''))
        return items + self._expired_copies(records, now)

    def _expired_copies(self, records: dict[str, SessionRecord], now: datetime) -> list[PlanItem]:
        if self.archive is None:
            return []
        items = []
        for session_id, meta in self.archive.expired(self.policy.archive_days, now.timestamp()):
            record = records.get(session_id)
            if record is not None and record.pinned:
                continue
            days = (now.timestamp() - meta['deleted_upstream_at']) / 86400
            agent = (record.agent_name if record and record.agent_name else
                     self._agent_name((meta.get('info') or {}).get('agent_id')))
            items.append(PlanItem(session_id=session_id, action='remove copy', status='deleted upstream',
                                  reason=f'deleted in AoD {days:.1f} days ago (archive limit '
                                         f'{self.policy.archive_days:g} days)', agent=agent,
                                  owner=record.owner if record else '',
                                  title=(record.prompt.strip().splitlines() or [''])[0][:100] if record else ''))
        return items

    async def _remove_copy(self, item: PlanItem, report: RunReport) -> None:
        record = self.store.sessions.get(item.session_id)
        still = {session_id for session_id, _ in self.archive.expired(self.policy.archive_days,
                                                                       self._clock().timestamp())} \
            if self.archive is not None else set()
        if item.session_id not in still or (record is not None and record.pinned):
            report.skipped += 1
            return
        await self.archive.remove(item.session_id)  # type: ignore[union-attr]
        await run_io(self.store.sessions.remove, item.session_id)
        report.copies_removed += 1
        await run_io(self.store.audit.append, report.by, 'retention archive removal', session_id=item.session_id,
                     detail=item.reason)

    async def _forget(self, session_id: str) -> None:
        """AoD deleted the session: its record goes too, unless the archive keeps a copy (see `SessionService`)."""
        if self.archive is not None and session_id in self.archive:
            await self.archive.mark_deleted(session_id)
        else:
            await run_io(self.store.sessions.remove, session_id)

    async def run(self, by: str, *, on_progress: Callable[[RunReport], None] | None = None) -> RunReport:
        """Apply the policy now (or finish a run that a restart cut short). Refused while another run is on."""
        if self._lock.locked():
            current = self.current
            since = datetime.fromtimestamp(current.started_at).strftime('%H:%M:%S') if current else '?'
            who = current.by if current else '?'
            raise ActionError(f'A retention run is already under way (started by {who} at {since}); wait for it to '
                              'finish.')
        async with self._lock:
            pending = self.store.kv.get(RUN_KEY)
            progress = self.store.kv.get(PROGRESS_KEY) or {}
            if pending and progress.get('id') == pending['id'] and progress.get('next', 0) < len(pending['items']):
                items = [PlanItem(**item) for item in pending['items']]
                report = RunReport(id=pending['id'], by=pending['by'], started_at=pending['started_at'], applied=True,
                                   planned=len(items), resumed=True)
                start = progress['next']
            else:
                items = await self.plan()
                report = RunReport(id=uuid.uuid4().hex[:12], by=by, started_at=time.time(), applied=True,
                                   planned=len(items))
                start = 0
                # the plan is written once; after each session only the position moves (a small write)
                await run_io(self.store.kv.set, RUN_KEY, {'id': report.id, 'by': report.by,
                                                          'started_at': report.started_at,
                                                          'items': [asdict(item) for item in items]})
                await run_io(self.store.kv.set, PROGRESS_KEY, {'id': report.id, 'next': 0})
            self.current = report
            try:
                for index in range(start, len(items)):
                    await self._apply(items[index], report)
                    await run_io(self.store.kv.set, PROGRESS_KEY, {'id': report.id, 'next': index + 1})
                    if on_progress is not None:
                        on_progress(report)
            finally:
                self.current = None
            report.finished_at = time.time()
            await run_io(self.store.kv.delete, RUN_KEY)
            await run_io(self.store.kv.delete, PROGRESS_KEY)
            await run_io(self.store.kv.set, LAST_KEY, {**asdict(report), 'failed': report.failed[:50]})
            await run_io(self.store.audit.append, by, 'retention', outcome='error' if report.failed else 'ok',
                         detail=report.summary())
            log.info('retention run %s: %s', report.id, report.summary())
            return report

    async def _pace(self) -> None:
        """At most `rate` calls to AoD per second."""
        wait = self._last_call + 1 / self.rate - self._timer()
        if wait > 0:
            await self._sleep(wait)
        self._last_call = self._timer()

    async def _apply(self, item: PlanItem, report: RunReport) -> None:
        if item.action == 'remove copy':
            await self._remove_copy(item, report)
            return
        client = self.upstreams.for_session(item.session_id)
        try:
            await self._pace()
            info = await client.get_session(item.session_id)
            record = self.store.sessions.get(item.session_id)  # read after the waits: a pin made meanwhile counts
            agent = (record.agent_name if record and record.agent_name else self._agent_name(info.agent_id))
            decision = self.policy.decide(info, record, agent, self._clock())
            if decision is None:
                report.skipped += 1
                return
            if info.status in ACTIVE:
                await self._pace()
                try:
                    await client.terminate(item.session_id)
                except UpstreamError as error:
                    if error.kind != 'already_terminated':
                        raise
                report.stopped += 1
                if not await self._wait_inactive(client, item.session_id):
                    report.deferred += 1
                    return
            await self._pace()
            try:
                await client.delete(item.session_id)
            except UpstreamError as error:
                if error.kind == 'conflict':  # still active: the next run takes it
                    report.deferred += 1
                    return
                if error.kind != 'not_found':
                    raise
        except UpstreamError as error:
            if error.kind == 'not_found':  # someone else deleted it already
                await self._forget(item.session_id)
                report.skipped += 1
                return
            report.failed.append((item.session_id, error.message))
            await run_io(self.store.audit.append, report.by, 'retention delete', outcome='error',
                         session_id=item.session_id, detail=error.message)
            return
        await self._forget(item.session_id)
        report.deleted += 1
        await run_io(self.store.audit.append, report.by, 'retention delete', session_id=item.session_id,
                     detail=f'{item.action}: {item.reason}')

    async def _wait_inactive(self, client, session_id: str) -> bool:
        deadline = self._timer() + self.stop_wait
        while self._timer() < deadline:
            await self._pace()
            if (await client.get_session(session_id)).status not in ACTIVE:
                return True
            await self._sleep(0.2)
        return False

    async def scheduled(self, interval: float) -> None:
        """Run by itself every `interval` seconds (and at once if a run was cut short)."""
        if self.store.kv.get(RUN_KEY):
            await self._run_logged()
        while True:
            await asyncio.sleep(interval)
            if self.policy.enabled:
                await self._run_logged()

    async def _run_logged(self) -> None:
        try:
            await self.run('retention')
        except ActionError:
            pass  # someone started a run by hand; this turn is skipped
        except Exception:
            log.exception('the scheduled retention run failed')
