"""Fair share under one AoD token: how many sessions each person may have active at once, and what each may spend
in a month.

- **Active sessions.** Each role has a limit (`AOD_UI_ACTIVE_SESSION_LIMITS`, for example `member=3,admin=10`; a
  role not named, or 0, has none) and an admin may set another for one person on People (0: none). A person's
  active sessions are the ones the dashboard recorded as theirs that AoD lists as `pending` or `running`.
- **Monthly budget.** `AOD_UI_MONTHLY_BUDGET_USD` (0: none), or a person's own on People, counts the costs the
  agents reported in the sessions a person launched this calendar month (UTC), as the archive's facts tell them
  (a session counts once it is archived whole). At 80 % New session warns; at 100 % launches are refused, unless
  an admin allows that person more for the rest of the month.

`admit()` is the one gate: `SessionService.launch` passes it for every way in (pages, the API), holding the person's
lock from the count to the recorded launch, so fifty simultaneous launches never pass the limit. The count asks AoD
afresh inside the lock, so it sees the session the previous holder launched.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from nicegui import Event

from storage import Store, User, run_io

from ..errors import ActionError, LimitReached, NotAllowed
from ._facts import FactsReader
from ._policy import Actor

if TYPE_CHECKING:
    from ..archive import Archive
    from ..upstream import SessionInfo

__all__ = ['FairShare', 'Usage']

ACTIVE = frozenset({'pending', 'running'})
WARN_AT = 0.8
Listing = Callable[[], Awaitable['list[SessionInfo]']]


@dataclass(frozen=True)
class Usage:
    """One person's share right now: active sessions against their limit, this month's cost against their budget."""

    username: str
    active: int
    limit: int | None
    """None: no limit."""
    month: str
    """The calendar month counted, `YYYY-MM` (UTC)."""
    cost_usd: float
    budget_usd: float | None
    """None: no budget."""
    allowed_over_budget: bool = False
    """An admin allowed launches past the budget for the rest of `month`."""
    costs_unknown: int = 0
    """Finished sessions of the month whose cost is not known yet (not archived whole)."""

    @property
    def full(self) -> bool:
        return self.limit is not None and self.active >= self.limit

    @property
    def budget_share(self) -> float | None:
        """The part of the budget spent (1.0 is all of it); None without a budget."""
        return None if not self.budget_usd else self.cost_usd / self.budget_usd

    @property
    def over_budget(self) -> bool:
        """The budget is spent and no admin allowed more."""
        share = self.budget_share
        return share is not None and share >= 1 and not self.allowed_over_budget

    def refusal(self) -> str | None:
        """Why a launch would be refused now, as the person reads it; None when it would not."""
        if self.full:
            noun = 'session' if self.limit == 1 else 'sessions'
            return f'You have {self.active} of {self.limit} active {noun}; stop one or ask an admin.'
        if self.over_budget:
            return (f'You have used ${self.cost_usd:.2f} of your ${self.budget_usd:.2f} budget for {self.month}; '
                    'new sessions wait for next month unless an admin allows more.')
        return None

    def warning(self) -> str | None:
        """A warning at 80 % of the budget (or past it, when an admin allowed more); None below."""
        share = self.budget_share
        if share is None or share < WARN_AT or self.over_budget:
            return None
        allowed = ' (an admin allowed more this month)' if share >= 1 else ''
        return f'You have used ${self.cost_usd:.2f} of your ${self.budget_usd:.2f} budget for {self.month}{allowed}.'


class FairShare:
    """Limits on active sessions and monthly budgets per person, and the gate every launch passes."""

    def __init__(self, store: Store, *, role_limits: Mapping[str, int] | None = None, monthly_budget: float = 0.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.role_limits = {role: count for role, count in (role_limits or {}).items() if count > 0}
        self.monthly_budget = monthly_budget
        self.clock = clock
        self.facts = FactsReader(store, None)
        self._listed: Listing | None = None
        self._fresh: Listing | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self.changed = Event[str]()
        """Fired with a username after an admin changed that person's limit, budget or allowance."""

    def attach(self, listed: Listing, fresh: Listing, archive: Archive | None) -> FairShare:
        """Where AoD's sessions come from: the shared cached list (for showing), a fresh read (for the gate)."""
        self._listed, self._fresh = listed, fresh
        self.facts.archive = archive
        return self

    # -- what applies to whom -----------------------------------------------------------------------------------

    def limit_for(self, username: str, role: str) -> int | None:
        override = self._extra(username).get('active_limit')
        if override is not None:
            return int(override) or None
        return self.role_limits.get(role)

    def budget_for(self, username: str) -> float | None:
        override = self._extra(username).get('monthly_budget_usd')
        value = self.monthly_budget if override is None else float(override)
        return value or None

    def allowed_over_budget(self, username: str) -> bool:
        """An admin allowed this person past their budget for the rest of this month."""
        return self._extra(username).get('over_budget_month') == self.month()

    def month(self) -> str:
        return datetime.fromtimestamp(self.clock(), tz=UTC).strftime('%Y-%m')

    def _extra(self, username: str) -> Mapping[str, Any]:
        user = self.store.users.get(username)
        return user.extra if user is not None else {}

    # -- reading ------------------------------------------------------------------------------------------------

    async def usage(self, actor: Actor, *, fresh: bool = False) -> Usage:
        """The person's own share (for New session, and the gate with `fresh`)."""
        listing = self._fresh if fresh else self._listed
        sessions = await listing() if listing is not None else []
        return await self._usage(actor.username, actor.role, {s.id for s in sessions if s.status in ACTIVE},
                                 {s.id for s in sessions})

    async def everyone(self, actor: Actor) -> list[Usage]:
        """Every person's share, for Operations (admins only)."""
        self._require_admin(actor)
        sessions = await self._listed() if self._listed is not None else []
        active = {s.id for s in sessions if s.status in ACTIVE}
        listed = {s.id for s in sessions}
        return [await self._usage(user.username, user.role, active, listed) for user in self.store.users.all()]

    async def _usage(self, username: str, role: str, active_ids: set[str], listed: set[str]) -> Usage:
        now = self.clock()
        start = datetime.fromtimestamp(now, tz=UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        mine = [r for r in self.store.sessions.all() if r.owner == username]
        active = sum(1 for r in mine if r.session_id in active_ids)
        cost, unknown = 0.0, 0
        budget = self.budget_for(username)
        for record in mine:
            if record.created_at < start.timestamp() or record.session_id in active_ids:
                continue
            facts = await self.facts.facts(record.session_id) if budget else self.facts.cached(record.session_id)
            if facts is None:
                unknown += record.session_id in listed  # one AoD lists as finished, not read to its end yet
            elif facts.cost_usd is not None:
                cost += facts.cost_usd
        month = self.month()
        return Usage(username=username, active=active, limit=self.limit_for(username, role), month=month,
                     cost_usd=cost, budget_usd=budget, costs_unknown=unknown,
                     allowed_over_budget=self.allowed_over_budget(username))

    # -- the gate -----------------------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def admit(self, actor: Actor) -> AsyncIterator[Usage]:
        """Hold the person's launch slot while their session is started and recorded; refuse (`LimitReached`, in the
        audit trail) when they are at their limit or past their budget."""
        if self.limit_for(actor.username, actor.role) is None and self.budget_for(actor.username) is None:
            yield Usage(actor.username, 0, None, self.month(), 0.0, None)  # nothing to count: no call to AoD
            return
        lock = self._locks.setdefault(actor.username, asyncio.Lock())
        async with lock:
            usage = await self.usage(actor, fresh=True)
            refusal = usage.refusal()
            if refusal is not None:
                await run_io(self.store.audit.append, actor.username, 'launch', outcome='denied',
                             detail='active session limit' if usage.full else 'monthly budget spent')
                raise LimitReached(refusal, usage.active, usage.limit)
            yield usage

    # -- admins set them ----------------------------------------------------------------------------------------

    async def set_person(self, actor: Actor, username: str, *, active_limit: int | None,
                         monthly_budget_usd: float | None) -> None:
        """A person's own limit and budget (None: their role's limit, the team's budget; 0: none)."""
        user = self._require_admin(actor, username)
        if any(value is not None and value < 0 for value in (active_limit, monthly_budget_usd)):
            raise ActionError('A limit or a budget is zero (none) or more.')
        await self._update(actor, user, 'set limits', active_limit=active_limit,
                           monthly_budget_usd=monthly_budget_usd)

    async def allow_over_budget(self, actor: Actor, username: str, allowed: bool) -> None:
        """Let a person launch past their budget for the rest of this month (or take that back)."""
        user = self._require_admin(actor, username)
        await self._update(actor, user, 'allow over budget' if allowed else 'end over-budget allowance',
                           over_budget_month=self.month() if allowed else None)

    async def _update(self, actor: Actor, user: User, action: str, **changes: object) -> None:
        extra = dict(user.extra)
        for name, value in changes.items():
            if value is None:
                extra.pop(name, None)
            else:
                extra[name] = value
        await run_io(self.store.users.update, user.username, extra=extra)
        detail = ', '.join(f'{name} {"default" if value is None else value}' for name, value in changes.items())
        await run_io(self.store.audit.append, actor.username, action, target=user.username, detail=detail)
        self.changed.emit(user.username)

    def _require_admin(self, actor: Actor, username: str | None = None) -> User:
        current = self.store.users.get(actor.username)
        if actor.role != 'admin' or (current is not None and (current.role != 'admin' or current.disabled)):
            raise NotAllowed('Only admins may see or change limits and budgets.')
        if username is None:
            return current  # type: ignore[return-value]
        user = self.store.users.get(username)
        if user is None:
            raise NotAllowed(f'There is no person called {username}.')
        return user
