"""The Claude runtime's agent scripts: stream-json on stdout, a little stderr, per scenario."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from .steps import Directions, Exit, Hang, Output, Script, TurnPlan
from .stream_json import Chunker, ClaudeWriter, dump_line
from .transcripts import TRANSCRIPTS, Beat, Say, Subagent, Think, Tool, Transcript, follow_up

__all__ = ['claude_script']

# Simulated seconds before each kind of message: the model thinking, a tool running.
_PAUSE = {'think': 2.0, 'say': 1.2, 'tool_use': 1.5, 'tool_result': 0.6, 'Bash': 2.2, 'Task': 0.3}


class _Emitter:
    """Writes messages through a `Chunker`, turning each burst into timed output steps."""

    def __init__(self, plan: TurnPlan) -> None:
        self.plan = plan
        self.chunker = Chunker(plan.rng)

    def burst(self, pause: float, *messages: dict[str, Any]) -> Script:
        chunks = self.chunker.burst(''.join(dump_line(message) for message in messages))
        yield from self._timed(pause, chunks)

    def flush(self) -> Script:
        yield from self._timed(0.05, self.chunker.flush())

    def stderr(self, pause: float, text: str) -> Script:
        yield self.plan.wait(pause), Output('stderr', text)

    def _timed(self, pause: float, chunks: list[str]) -> Script:
        for index, chunk in enumerate(chunks):
            # The first chunk of a burst waits for the model; the rest follow as fast as a pipe drains.
            delay = self.plan.wait(pause) if index == 0 else self.plan.wait(0.02, jitter=0.5)
            yield delay, Output('stdout', chunk)


def claude_script(plan: TurnPlan, directions: Directions) -> Script:
    """The agent part of a Claude turn (after provisioning), for the scenario in `directions`."""
    writer = ClaudeWriter(plan.rng, session_id=str(uuid.UUID(int=plan.rng.getrandbits(128), version=4)),
                          model=plan.agent.model)
    out = _Emitter(plan)
    init = writer.init(mcp_servers=[server['name'] for server in plan.agent.mcp_servers])
    scenario = directions.scenario
    if scenario == 'chatty':
        yield from _chatty(plan, writer, init, directions)
        return
    yield from out.stderr(0.4, f'claude-code 2.0.14: model {plan.agent.model}, turn {plan.turn}\n')
    yield from out.burst(1.0, init)
    if scenario == 'long':
        yield from _long(plan, writer, out)
    elif scenario == 'huge':
        yield from out.flush()
        yield from _huge(plan, writer, directions)
    elif scenario == 'stall':
        yield from out.flush()
        yield 0.0, Hang()
    else:
        yield from _task(plan, writer, out, directions, failing=scenario == 'fail-exit')


def _task(plan: TurnPlan, writer: ClaudeWriter, out: _Emitter, directions: Directions, *, failing: bool) -> Script:
    transcript = TRANSCRIPTS.get(plan.agent.name, TRANSCRIPTS['code-review'])
    if plan.turn > 1:
        transcript = follow_up(directions.task)
    beats: Iterable[Beat] = transcript.beats
    if failing:
        beats = (*transcript.beats[:transcript.fail_after], *transcript.failure)
    for text in transcript.stderr:
        yield from out.stderr(0.3, text)
    for beat in beats:
        yield from _beat(plan, writer, out, beat, directions.task)
    if failing:
        yield from _finish(plan, writer, out, transcript, failing=True)
        yield from out.stderr(0.1, 'Error: agent stopped after a failed tool call (exit status 1)\n')
        yield 0.0, Exit(1)
    else:
        yield from _finish(plan, writer, out, transcript, failing=False)
        yield 0.0, Exit(0)


def _finish(plan: TurnPlan, writer: ClaudeWriter, out: _Emitter, transcript: Transcript, *, failing: bool) -> Script:
    if failing:
        text = 'Stopped: a tool call failed and I could not recover.'
        yield from out.burst(_PAUSE['say'], writer.assistant([writer.text(text)]))
    else:
        text = transcript.summary
        yield from out.burst(_PAUSE['say'] * 2, writer.assistant([writer.text(text)]))
    yield from out.burst(0.3, writer.result(text, duration_ms=plan.simulated_ms, is_error=failing))
    yield from out.flush()


def _beat(plan: TurnPlan, writer: ClaudeWriter, out: _Emitter, beat: Beat, task: str,
          parent: str | None = None) -> Script:
    if isinstance(beat, Think):
        yield from out.burst(_PAUSE['think'], writer.assistant([writer.thinking(beat.text)], parent=parent))
    elif isinstance(beat, Say):
        text = beat.text.replace('{task}', task)
        yield from out.burst(_PAUSE['say'], writer.assistant([writer.text(text)], parent=parent))
    elif isinstance(beat, Tool):
        use = writer.tool_use(beat.name, beat.input)
        yield from out.burst(_PAUSE['tool_use'], writer.assistant([use], parent=parent))
        pause = _PAUSE.get(beat.name, _PAUSE['tool_result'])
        yield from out.burst(pause, writer.tool_result(use['id'], beat.result, is_error=beat.is_error, parent=parent))
    else:
        yield from _subagent(plan, writer, out, beat, task)


def _subagent(plan: TurnPlan, writer: ClaudeWriter, out: _Emitter, beat: Subagent, task: str) -> Script:
    use = writer.tool_use('Task', {'description': beat.description, 'prompt': beat.prompt,
                                   'subagent_type': 'general-purpose'})
    # The Task call and its `task_started` notice arrive together, as the CLI writes them back to back.
    yield from out.burst(_PAUSE['tool_use'], writer.assistant([use]), writer.task_started(use['id'], beat.description))
    for inner in beat.beats:
        yield from _beat(plan, writer, out, inner, task, parent=use['id'])
    yield from out.burst(_PAUSE['Task'], writer.tool_result(use['id'], [{'type': 'text', 'text': beat.report}]))


def _long(plan: TurnPlan, writer: ClaudeWriter, out: _Emitter) -> Script:
    yield from out.burst(_PAUSE['say'], writer.assistant([writer.text('Watching the build until it is stopped.')]))
    step = 0
    while True:
        step += 1
        use = writer.tool_use('Bash', {'command': f'make -C build step-{step}', 'description': f'Build step {step}'})
        yield from out.burst(0.5, writer.assistant([use]))
        yield from out.burst(0.5, writer.tool_result(use['id'], f'[{step}] compiled module_{step:04d}.o'))
        if step % 10 == 0:
            yield from out.stderr(0.1, f'make: warning: clock skew detected at step {step}\n')


def _compact(writer: ClaudeWriter, text: str) -> str:
    """A small assistant line: chatty and huge scenarios write many, so keep them light."""
    message = {'role': 'assistant', 'content': [{'type': 'text', 'text': text}]}
    return dump_line({'type': 'assistant', 'message': message, 'parent_tool_use_id': None,
                      'session_id': writer.session_id})


def _chatty(plan: TurnPlan, writer: ClaudeWriter, init: dict[str, Any], directions: Directions) -> Script:
    """Exactly `events` output events, one whole line each: init, ticks, result."""
    rate = directions.number('rate', 2000)
    total = max(directions.number('events', 5000), 2)
    yield plan.wait(0.5), Output('stdout', dump_line(init))
    # The rate is events per real second on purpose: benchmarks ask for a load, not a pace.
    for tick in range(1, total - 1):
        yield 1.0 / rate, Output('stdout', _compact(writer, f'tick {tick}'))
    yield 1.0 / rate, Output('stdout', dump_line(writer.result(f'{total} events', duration_ms=plan.simulated_ms)))
    yield 0.0, Exit(0)


def _huge(plan: TurnPlan, writer: ClaudeWriter, directions: Directions) -> Script:
    lines = directions.number('lines', 100_000)
    per_chunk = 400
    for first in range(1, lines + 1, per_chunk):
        last = min(first + per_chunk, lines + 1)
        chunk = ''.join(_compact(writer, f'build log line {n}: ok') for n in range(first, last))
        yield plan.wait(0.02, jitter=0), Output('stdout', chunk)
    yield plan.wait(0.2), Output('stdout', dump_line(writer.result(f'{lines} lines', duration_ms=plan.simulated_ms)))
    yield 0.0, Exit(0)
