"""Plays a turn's script in the server's event loop: waits, appends rows, moves the session through its states."""

from __future__ import annotations

import asyncio
import random

from .catalog import environment_by_id
from .scenarios import build_script
from .state import SimSession, SimState, Turn, now
from .steps import Exit, Fail, Hang, Hold, Output, Stage, TurnPlan

__all__ = ['start_turn']

# Pauses shorter than this are not slept: the rows go out with the next batch, so a high event rate costs
# a few hundred wake-ups a second instead of one per event.
_MIN_SLEEP = 0.002
# Rows appended without a pause before the streams are woken and the loop is given a turn.
_BATCH = 64


def start_turn(state: SimState, session: SimSession, turn: Turn) -> None:
    """Start playing `turn` of `session` in the background (the session's `task`)."""
    session.task = asyncio.get_running_loop().create_task(
        _play(state, session, turn), name=f'aod-sim-{session.id}-turn-{turn.turn_number}')


async def _play(state: SimState, session: SimSession, turn: Turn) -> None:
    config = state.config
    plan = TurnPlan(
        agent=session.agent, environment=environment_by_id(session.environment_id), session_id=session.id,
        turn=turn.turn_number, prompt=turn.prompt, has_resources=bool(session.resources),
        rng=random.Random(f'{config.seed}/{session.id}/{turn.turn_number}'), time_scale=config.time_scale,
        failing_stage=config.failing_stage, started=now(),
    )
    await asyncio.sleep(plan.wait(0.8))  # pending: waiting for a worker to pick the turn up
    turn.started_at = now()
    loop = asyncio.get_running_loop()
    due = loop.time()
    unsent = 0
    for delay, step in build_script(plan):
        # Delays add up on a schedule rather than being slept one by one, so a slow wake-up is caught up.
        due += delay
        ahead = due - loop.time()
        if ahead > _MIN_SLEEP:
            if unsent:
                session.notify()
                unsent = 0
            await asyncio.sleep(ahead)
        elif unsent >= _BATCH:
            session.notify()
            unsent = 0
            await asyncio.sleep(0)
        if isinstance(step, Stage):
            if step.stage == 'runtime_start' and step.state == 'started':
                # the session (and its turn) stay `pending` through provisioning, until just before the runtime starts
                state.start_turn(session, turn)
                unsent = 0
            payload: dict[str, object] = {'type': 'stage', 'stage': step.stage, 'state': step.state}
            if step.duration_ms is not None:
                payload['duration_ms'] = step.duration_ms
            if step.message is not None:
                payload['message'] = step.message
            state.add_row(session, turn, payload)
            unsent += 1
        elif isinstance(step, Output):
            state.add_row(session, turn, {'type': 'output', 'stream': step.stream, 'data': step.data,
                                          'turn': turn.turn_number})
            unsent += 1
        elif isinstance(step, Exit):
            state.end_turn(session, turn, exit_code=step.code)
            return
        elif isinstance(step, Fail):
            state.end_turn(session, turn, error=step.message)
            return
        elif isinstance(step, Hold):
            session.notify()
            unsent = 0
            due = loop.time() + step.seconds  # from now, however late the schedule ran
        elif isinstance(step, Hang):
            session.notify()
            await asyncio.Event().wait()  # until terminate cancels the task
    state.end_turn(session, turn, exit_code=0)
