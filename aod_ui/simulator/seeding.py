"""Sessions placed directly into the simulator, of any age and status, with a short scripted log.

Retention and listing tests need thousands of old sessions; playing them would take too long. A seeded
session in `pending` or `running` has no script behind it: it stays stuck, as when a worker has died.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .state import SimSession, SimState, Turn, interrupt_turn
from .stream_json import dump_line
from .validation import ApiError

__all__ = ['parse_moment', 'seed_session']

STATUSES = ('pending', 'running', 'completed', 'failed', 'terminated')


def parse_moment(value: datetime | str | float | None, default: datetime) -> datetime:
    """A datetime from an aware datetime, an ISO 8601 text (`Z` allowed) or epoch seconds."""
    if value is None:
        return default
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace('Z', '+00:00'))
        except ValueError:
            raise ApiError(422, f'Not a date: {value!r}') from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise ApiError(422, f'Not a date: {value!r}')


def seed_session(state: SimState, *, token: str | None = None, agent_id: str | None = None,
                 status: str = 'completed', created_at: datetime | str | float | None = None,
                 updated_at: datetime | str | float | None = None, prompt: str = 'Seeded session',
                 turns: int | list[str] = 1, exit_code: int | None = None, id: str | None = None) -> SimSession:
    """Add a session owned by `token`'s owner (the first configured token without one), with one of that owner's
    agents (`agent_id`, or the first), and `turns` turns (a count or their prompts) ending in `status`.

    `exit_code` sets the last turn's exit code of a `completed` (0 only) or `failed` session; a `failed` session
    without one failed in provisioning.
    """
    if status not in STATUSES:
        raise ApiError(422, f'status must be one of: {", ".join(STATUSES)}')
    owner = token or state.config.tokens[0]
    agents = state.agents(owner)
    agent = agents.get(agent_id) if agent_id else next(iter(agents.values()))
    if agent is None:
        raise ApiError(404, 'Agent not found')
    prompts = list(turns) if isinstance(turns, list) else [prompt] * max(1, int(turns))
    created = parse_moment(created_at, datetime.now(UTC))
    default_end = created + timedelta(minutes=len(prompts)) if status not in ('pending',) else created
    updated = parse_moment(updated_at, default_end)
    session = SimSession(id=id or state.new_session_id(), owner=owner, agent=agent,
                         environment_id=agent.environment_id, created_at=created)
    step = (updated - created) / (2 * len(prompts))
    for index, text in enumerate(prompts):
        turn = Turn(index + 1, text, created + step * 2 * index)
        session.turns.append(turn)
        last = index == len(prompts) - 1
        _play(state, session, turn, status if last else 'completed', exit_code if last else 0, step)
    session.status = status
    session.exit_code = session.turns[-1].exit_code
    session.updated_at = updated
    if status == 'terminated':
        session.terminated_event = {'type': 'terminated', 'id': session.last_row_id, 'message': 'Session terminated'}
    state.add_session(session)
    return session


def _play(state: SimState, session: SimSession, turn: Turn, status: str, exit_code: int | None,
          step: timedelta) -> None:
    """Write a short log for one turn and set its fields as if it had run to `status`."""
    if status == 'pending':
        return
    turn.started_at = turn.created_at + step / 4
    if turn.turn_number == 1:
        for stage in ('create_sprite', 'install_runtime'):
            state.add_row(session, turn, {'type': 'stage', 'stage': stage, 'state': 'started'})
            if status == 'failed' and exit_code is None and stage == 'install_runtime':
                state.add_row(session, turn, {'type': 'stage', 'stage': stage, 'state': 'failed', 'duration_ms': 900,
                                              'message': 'npm ERR! code ETIMEDOUT'})
                state.add_row(session, turn, {'type': 'output', 'stream': 'stderr', 'turn': turn.turn_number,
                                              'data': f'provision failed: {stage}: npm ERR! code ETIMEDOUT\n'})
                _end(turn, step, 'failed', None, {'type': 'error', 'id': session.last_row_id,
                                                  'message': 'Session failed'})
                return
            state.add_row(session, turn, {'type': 'stage', 'stage': stage, 'state': 'done', 'duration_ms': 1200})
    state.add_row(session, turn, {'type': 'stage', 'stage': 'runtime_start', 'state': 'started'})
    for data in _lines(session, turn, status, exit_code):
        state.add_row(session, turn, {'type': 'output', 'stream': 'stdout', 'data': data, 'turn': turn.turn_number})
    if status in ('running', 'terminated'):
        turn.status = 'running'
        if status == 'terminated':
            interrupt_turn(turn, state.config.interrupted_turns)
    else:
        code = 0 if status == 'completed' else (exit_code if exit_code is not None else 1)
        _end(turn, step, 'completed' if code == 0 else 'failed', code,
             {'type': 'exit', 'id': session.last_row_id, 'code': code})


def _end(turn: Turn, step: timedelta, status: str, exit_code: int | None, event: dict[str, Any] | None) -> None:
    turn.status = status
    turn.exit_code = exit_code
    turn.ended_at = turn.created_at + step
    turn.end_event = event


def _lines(session: SimSession, turn: Turn, status: str, exit_code: int | None) -> list[str]:
    text = f'Seeded turn {turn.turn_number}: {turn.prompt}'
    if session.agent.family != 'claude':
        lines = [f'{text}\n']
        return lines if status in ('running', 'terminated') else [*lines, 'tokens used: 1,024\n']
    init = {'type': 'system', 'subtype': 'init', 'model': session.agent.model, 'tools': ['Bash', 'Read'],
            'mcp_servers': [], 'session_id': session.id}
    say = {'type': 'assistant', 'message': {'role': 'assistant', 'content': [{'type': 'text', 'text': text}]},
           'parent_tool_use_id': None, 'session_id': session.id}
    lines = [dump_line(init), dump_line(say)]
    if status in ('running', 'terminated'):
        return lines
    failed = status == 'failed'
    result = {'type': 'result', 'subtype': 'error_during_execution' if failed else 'success', 'is_error': failed,
              'duration_ms': 60_000, 'num_turns': 1, 'result': text, 'session_id': session.id,
              'total_cost_usd': 0.0123, 'usage': {'input_tokens': 10, 'output_tokens': 200}}
    return [*lines, dump_line(result)]
