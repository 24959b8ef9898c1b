"""The simulator's world: owners and their tokens, sessions, their turns and their event logs.

Everything here lives in the server's event loop. Each session has a change signal that its open streams
wait on, so a new row reaches them at once (no polling). Row ids come from one counter shared by all
sessions, like the rows of the real server's log table: increasing within a session, not contiguous.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .catalog import AgentSpec, agents_of, family_json, isoformat
from .config import SimulatorConfig

__all__ = ['ACTIVE', 'Faults', 'Row', 'SimSession', 'SimState', 'Stats', 'Turn', 'encode_event', 'interrupt_turn',
           'now']

ACTIVE = frozenset({'pending', 'running'})
FINISHED = frozenset({'completed', 'failed', 'terminated'})


def now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def encode_event(payload: dict[str, Any], *, with_id: bool = True) -> str:
    """One SSE event: an `id:` line when the payload has an id (and `with_id`), then `data:` and a blank line."""
    data = json.dumps(payload, separators=(',', ':'), ensure_ascii=False)
    if with_id and payload.get('id') is not None:
        return f'id: {payload["id"]}\ndata: {data}\n\n'
    return f'data: {data}\n\n'


@dataclass(slots=True)
class Row:
    """One stored log row (a `stage` or an `output` event), kept already encoded for the streams."""

    id: int
    turn: int
    sse: str
    #: An `output` row (the stream announces a turn with `turn_start` before its first output on each connection).
    output: bool = False

    @property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.sse.split('data: ', 1)[1])
        return payload


@dataclass
class Turn:
    """One prompt and the run it started."""

    turn_number: int
    prompt: str
    created_at: datetime
    timeout: int = 600
    status: str = 'pending'
    exit_code: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    #: The terminal event (`exit` or `error`) that ended the turn.
    end_event: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            'turn_number': self.turn_number, 'prompt': self.prompt, 'status': self.status,
            'exit_code': self.exit_code, 'created_at': isoformat(self.created_at),
            'started_at': isoformat(self.started_at) if self.started_at else None,
            'ended_at': isoformat(self.ended_at) if self.ended_at else None,
        }


class SimSession:
    """A session, its turns and its event log."""

    def __init__(self, *, id: str, owner: str, agent: AgentSpec, environment_id: str, created_at: datetime,
                 resources: list[dict[str, Any]] | None = None, secret_env_vars: dict[str, str] | None = None) -> None:
        self.id = id
        self.owner = owner
        self.agent = agent
        self.environment_id = environment_id
        self.status = 'pending'
        self.exit_code: int | None = None
        self.created_at = created_at
        self.updated_at = created_at
        self.resources = resources or []
        # Accepted like the real server does, handed to nothing, and never echoed.
        self.secret_env_vars = secret_env_vars or {}
        self.turns: list[Turn] = []
        self.rows: list[Row] = []
        self.row_ids: list[int] = []
        self.terminated_event: dict[str, Any] | None = None
        self.task: asyncio.Task[None] | None = None
        self.deleted = False
        #: Orders `GET /sessions`: creation time, then creation order for ties.
        self.sort_key: tuple[datetime, int] = (created_at, 0)
        self._changed = asyncio.Event()

    @property
    def current_turn(self) -> int:
        return self.turns[-1].turn_number if self.turns else 0

    @property
    def last_row_id(self) -> int | None:
        return self.row_ids[-1] if self.row_ids else None

    @property
    def changed(self) -> asyncio.Event:
        """Set at the next change; take it *before* reading the state you will wait on."""
        return self._changed

    def notify(self) -> None:
        """Wake every stream waiting on this session."""
        self._changed.set()
        self._changed = asyncio.Event()

    def touch(self, status: str | None = None) -> None:
        if status is not None:
            self.status = status
        self.updated_at = now()

    def rows_after(self, cursor: int, limit: int = 256) -> list[Row]:
        """Up to `limit` rows with an id above `cursor`."""
        start = bisect.bisect_right(self.row_ids, cursor)
        return self.rows[start:start + limit]

    def terminal_event(self, followed_turn: int) -> dict[str, Any] | None:
        """The event that ends a stream that has caught up, having followed up to `followed_turn`; else None.

        A stream that followed a turn which has since ended ends with that turn's event, even when a follow-up
        prompt has already started the next turn: each turn's stream closes at its own `exit`.
        """
        if self.status == 'terminated':
            return self.terminated_event
        if self.status in FINISHED:
            return self.turns[-1].end_event
        if 0 < followed_turn < self.current_turn:
            return self.turns[followed_turn - 1].end_event
        return None

    def to_json(self, shape: str) -> dict[str, Any]:
        return {
            'id': self.id, 'agent_id': self.agent.id, 'environment_id': self.environment_id,
            **family_json(self.agent.family, shape),  # type: ignore[arg-type]
            'status': self.status, 'exit_code': self.exit_code,
            'created_at': isoformat(self.created_at), 'updated_at': isoformat(self.updated_at),
            'resources': [dict(resource) for resource in self.resources],
            'turn_count': len(self.turns), 'current_turn': self.current_turn,
        }


def interrupt_turn(turn: Turn, interrupted: bool) -> None:
    """What terminate does to the turn that was still active: the current server leaves its status as it was, newer
    server code (`interrupted`) marks it `interrupted`."""
    if interrupted:
        turn.status = 'interrupted'
        turn.ended_at = now()


@dataclass
class Faults:
    """Failures the control API can switch on; an empty `POST /_sim/faults` switches them all off."""

    #: Cut every stream connection after this many rows (the client sees the body end, no terminal event).
    drop_stream_after_events: int | None = None
    #: `{"route": name or "*", "status": code, "count": n, "html": bool}`: the next n requests to that route fail,
    #: with AoD's JSON error body, or with `"html": true` the HTML page a reverse proxy in front of AoD answers.
    status_burst: dict[str, Any] | None = None
    #: Seconds every API request waits before it is handled.
    delay_seconds: float = 0.0

    def take_burst(self, route: str) -> tuple[int, bool] | None:
        """The status the next request to `route` must fail with and whether as an HTML page, counting the burst
        down; else None."""
        burst = self.status_burst
        if not burst or burst['route'] not in (route, '*'):
            return None
        burst['count'] -= 1
        if burst['count'] <= 0:
            self.status_burst = None
        return int(burst['status']), bool(burst.get('html'))

    def to_json(self) -> dict[str, Any]:
        return {'drop_stream_after_events': self.drop_stream_after_events, 'status_burst': self.status_burst,
                'delay_seconds': self.delay_seconds}


@dataclass
class Stats:
    """Counters the benchmarks read through `GET /_sim/stats`."""

    open_streams: int = 0
    streams_opened: int = 0
    #: Reads of the log by all streams (each sends at most `stream_rows` rows when paced).
    stream_reads: int = 0
    requests: Counter[str] = field(default_factory=Counter)
    #: Streams opened per session, so a test can count one session's streams while others are read too.
    streams_by_session: Counter[str] = field(default_factory=Counter)
    cursors: Counter[str] = field(default_factory=Counter)
    """How stream requests gave their cursor: `header` (Last-Event-ID only), `query` (`?since=` only), `both`
    (agreeing), `mismatch` (both, differing) or `none`. The real server lets the header win and accepts `since`
    alone, so only this tells a test whether a client resumes the way the contract says."""

    def note_cursor(self, header: str | None, query: str | None) -> None:
        if header and query:
            self.cursors['both' if header.strip() == query.strip() else 'mismatch'] += 1
        else:
            self.cursors['header' if header else 'query' if query else 'none'] += 1

    def to_json(self) -> dict[str, Any]:
        return {'open_streams': self.open_streams, 'streams_opened': self.streams_opened,
                'stream_reads': self.stream_reads, 'requests': dict(self.requests),
                'stream_cursors': dict(self.cursors), 'streams_by_session': dict(self.streams_by_session)}


class SimState:
    """All sessions of all owners, the tokens that name the owners, and the control knobs."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        #: token -> active; each token is its own owner.
        self.tokens: dict[str, bool] = dict.fromkeys(config.tokens, True)
        self.sessions: dict[str, SimSession] = {}
        self.faults = Faults()
        self.stats = Stats()
        self.closing = False
        self._next_row_id = 0
        self._created = 0
        self._agents: dict[str, dict[str, AgentSpec]] = {}

    # --- owners -------------------------------------------------------------------------------------------------
    def owner_for(self, token: str) -> str | None:
        """The owner a bearer token names, or None when it is unknown or revoked."""
        return token if self.tokens.get(token) else None

    def revoke_token(self, token: str) -> None:
        """From now on `token` answers 401 (its sessions stay)."""
        self.tokens[token] = False

    def add_token(self, token: str) -> None:
        """Accept `token` (again): a new owner, or a revoked one restored."""
        self.tokens[token] = True

    def agents(self, owner: str) -> dict[str, AgentSpec]:
        """The owner's agents by id (archived ones too): the catalog's ids for the first configured token's owner,
        copies with ids of their own for every other owner."""
        agents = self._agents.get(owner)
        if agents is None:
            specs = agents_of('' if owner == self.config.tokens[0] else owner)
            agents = self._agents[owner] = {spec.id: spec for spec in specs}
        return agents

    # --- sessions -----------------------------------------------------------------------------------------------
    def new_session_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def add_session(self, session: SimSession) -> SimSession:
        # A creation counter breaks ties between sessions created within the same clock tick.
        session.sort_key = (session.created_at, self._created)
        self._created += 1
        self.sessions[session.id] = session
        return session

    def find(self, session_id: str, owner: str) -> SimSession | None:
        """The owner's session with this id; another owner's session is not found, like a missing one."""
        session = self.sessions.get(session_id)
        return session if session is not None and session.owner == owner else None

    def sessions_of(self, owner: str) -> list[SimSession]:
        """All of the owner's sessions, newest first by `created_at`."""
        mine = [session for session in self.sessions.values() if session.owner == owner]
        return sorted(mine, key=lambda session: session.sort_key, reverse=True)

    def active_count(self, owner: str) -> int:
        return sum(1 for session in self.sessions.values() if session.owner == owner and session.status in ACTIVE)

    def remove(self, session: SimSession) -> None:
        """Delete a session with its turns and logs; its open streams end."""
        self.sessions.pop(session.id, None)
        session.deleted = True
        session.notify()

    # --- the event log ------------------------------------------------------------------------------------------
    def add_row(self, session: SimSession, turn: Turn, payload: dict[str, Any]) -> Row:
        """Append a `stage` or `output` row; `payload` gets its id (and `emitted_at` when stamping)."""
        self._next_row_id += 1
        payload = {'type': payload['type'], 'id': self._next_row_id, **payload}
        output = payload['type'] == 'output'
        if output and self.config.stamp_events:
            payload['emitted_at'] = time.time()
        row = Row(self._next_row_id, turn.turn_number, encode_event(payload), output)
        session.rows.append(row)
        session.row_ids.append(row.id)
        return row

    def start_turn(self, session: SimSession, turn: Turn) -> None:
        """The runtime starts: the turn and the session are `running` from now on."""
        turn.status = 'running'
        turn.started_at = turn.started_at or now()
        session.touch('running')
        session.notify()

    def end_turn(self, session: SimSession, turn: Turn, *, exit_code: int | None = None,
                 error: str | None = None) -> None:
        """Finish a turn with an exit code (`exit` event) or a failure message (`error` event)."""
        turn.ended_at = now()
        if error is not None:
            turn.status = 'failed'
            turn.end_event = {'type': 'error', 'id': session.last_row_id, 'message': error}
        else:
            turn.status = 'completed' if exit_code == 0 else 'failed'
            turn.exit_code = exit_code
            session.exit_code = exit_code
            turn.end_event = {'type': 'exit', 'id': session.last_row_id, 'code': exit_code}
        session.touch('completed' if turn.status == 'completed' else 'failed')
        session.notify()

    def terminate(self, session: SimSession) -> None:
        """Stop whatever runs and mark the session terminated (the caller checked it was not already)."""
        if session.task is not None and not session.task.done():
            session.task.cancel()
        turn = session.turns[-1] if session.turns else None
        if turn is not None and turn.status in ACTIVE:
            interrupt_turn(turn, self.config.interrupted_turns)
        session.terminated_event = {'type': 'terminated', 'id': session.last_row_id, 'message': 'Session terminated'}
        session.touch('terminated')
        session.notify()

    async def close(self) -> None:
        """Stop every running script and end every open stream (server shutdown)."""
        self.closing = True
        tasks = [session.task for session in self.sessions.values() if session.task and not session.task.done()]
        for task in tasks:
            task.cancel()
        for session in self.sessions.values():
            session.notify()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
