"""Constants and helpers shared by the simulator tests."""

from __future__ import annotations

import time

import aod

from aod_ui.simulator import SimulatorConfig, SimulatorServer, agent_id

TOKEN = 'aod_simulator'
OTHER_TOKEN = 'aod_other_owner'
LIMIT_TOKEN = 'aod_limit_owner'
REVOKE_TOKEN = 'aod_to_revoke'
TIME_SCALE = 0.005

CODE_REVIEW = agent_id('code-review')
DOC_GEN = agent_id('doc-gen')
BUG_FIX = agent_id('bug-fix')
CODEX = agent_id('codex-refactor')
ARCHIVED = agent_id('legacy-triage')
# AoD scopes agents to their owner: the other tokens have copies of the catalog with ids of their own.
OTHER_CODE_REVIEW = agent_id('code-review', owner=OTHER_TOKEN)
LIMIT_CODE_REVIEW = agent_id('code-review', owner=LIMIT_TOKEN)


def make_server(**overrides: object) -> SimulatorServer:
    """A started simulator (thread mode) on a free port, with test defaults and `overrides`."""
    options: dict[str, object] = {'port': 0, 'time_scale': TIME_SCALE, 'seed': 7, 'shape': 'runtime'}
    options.update(overrides)
    return SimulatorServer(SimulatorConfig(**options)).start_in_thread()  # type: ignore[arg-type]


def collect(client: aod.Client, session_id: object, since: int | None = None) -> list[aod.StreamEvent]:
    """Every event of one stream connection, until the server closes it."""
    with client.sessions.stream(session_id, since=since) as events:
        return list(events)


def wait_for(client: aod.Client, session_id: object, *statuses: str, timeout: float = 10.0) -> aod.Session:
    """Poll `GET /sessions/{id}` until the status is one of `statuses`."""
    deadline = time.monotonic() + timeout
    while True:
        session = client.sessions.get(session_id)
        if session.status in statuses:
            return session
        if time.monotonic() > deadline:
            raise AssertionError(f'session stayed {session.status!r}, wanted {statuses}')
        time.sleep(0.01)


def stdout_of(events: list[aod.StreamEvent]) -> str:
    return ''.join(e.extra['data'] for e in events if e.type == 'output' and e.extra['stream'] == 'stdout')


def row_ids(events: list[aod.StreamEvent]) -> list[int]:
    """Ids of the stored rows (stage and output), the ones a resume cursor moves over."""
    return [e.id for e in events if e.type in ('stage', 'output')]
