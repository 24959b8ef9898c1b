"""The plain-text runtime's agent scripts (provider `openai`, runtime `codex`): lines of text, no JSON."""

from __future__ import annotations

from datetime import timedelta

from .steps import Directions, Exit, Hang, Output, Script, TurnPlan
from .stream_json import Chunker

__all__ = ['plain_script']


class _Lines:
    """Writes timestamped plain-text lines, chunked like a pipe."""

    def __init__(self, plan: TurnPlan) -> None:
        self.plan = plan
        self.chunker = Chunker(plan.rng, largest=400)

    def stamp(self) -> str:
        moment = self.plan.started + timedelta(seconds=self.plan.simulated)
        return moment.strftime('[%Y-%m-%dT%H:%M:%S]')

    def write(self, pause: float, *lines: str, stream: str = 'stdout') -> Script:
        delay = self.plan.wait(pause)
        text = ''.join(line + '\n' for line in lines)
        chunks = self.chunker.burst(text) if stream == 'stdout' else [text]
        for index, chunk in enumerate(chunks):
            yield (delay if index == 0 else self.plan.wait(0.02, jitter=0.5)), Output(stream, chunk)

    def flush(self) -> Script:
        for chunk in self.chunker.flush():
            yield self.plan.wait(0.02, jitter=0), Output('stdout', chunk)


def plain_script(plan: TurnPlan, directions: Directions) -> Script:
    """The agent part of a plain-text turn (after provisioning), for the scenario in `directions`."""
    out = _Lines(plan)
    scenario = directions.scenario
    if scenario == 'chatty':
        # Exactly `events` output events, one line each, at `rate` per real second.
        rate, total = directions.number('rate', 2000), directions.number('events', 5000)
        for tick in range(1, total + 1):
            yield 1.0 / rate, Output('stdout', f'tick {tick}\n')
        yield 0.0, Exit(0)
        return
    yield from out.write(0.3, 'Reading prompt from stdin...', stream='stderr')
    yield from out.write(0.8, f'{out.stamp()} OpenAI Codex v0.46.0 (research preview)', '--------',
                         'workdir: /workspace', f'model: {plan.agent.model}', 'provider: openai',
                         'approval: never', 'sandbox: workspace-write', '--------',
                         f'{out.stamp()} User instructions:', directions.task)
    if scenario == 'long':
        step = 0
        while True:
            step += 1
            yield from out.write(1.0, f'{out.stamp()} exec bash -lc "make step-{step}" in /workspace',
                                 f'{out.stamp()} bash -lc "make step-{step}" succeeded in 812ms:', f'step {step} ok')
    elif scenario == 'huge':
        yield from out.flush()
        lines = directions.number('lines', 100_000)
        for first in range(1, lines + 1, 1000):
            chunk = ''.join(f'build log line {n}: ok\n' for n in range(first, min(first + 1000, lines + 1)))
            yield plan.wait(0.02, jitter=0), Output('stdout', chunk)
        yield 0.0, Exit(0)
    elif scenario == 'stall':
        yield from out.flush()
        yield 0.0, Hang()
    else:
        yield from _task(plan, out, failing=scenario == 'fail-exit')


def _task(plan: TurnPlan, out: _Lines, *, failing: bool) -> Script:
    yield from out.write(2.0, f'{out.stamp()} thinking', '**Planning the refactor**',
                         'Find every caller of fetch_json, rename it to get_json, keep behaviour identical.')
    yield from out.write(1.5, f"{out.stamp()} exec bash -lc 'rg -n \"fetch_json\" src tests' in /workspace")
    yield from out.write(0.4, f"{out.stamp()} bash -lc 'rg -n \"fetch_json\" src tests' succeeded in 38ms:",
                         'src/api/client.py:12:def fetch_json(url: str) -> dict:',
                         'src/cli.py:40:    data = fetch_json(args.url)',
                         'tests/test_client.py:8:    assert fetch_json(URL) == {}')
    if failing:
        yield from out.write(1.5, f"{out.stamp()} exec bash -lc 'python -m pytest -q' in /workspace")
        yield from out.write(1.0, f"{out.stamp()} bash -lc 'python -m pytest -q' exited 2 in 611ms:",
                             'ERROR: file or directory not found: tests/')
        yield from out.write(0.2, 'ERROR: cannot verify the refactor without a working test run', stream='stderr')
        yield from out.write(0.4, f'{out.stamp()} tokens used: 4,118')
        yield from out.flush()
        yield 0.0, Exit(2)
        return
    yield from out.write(2.5, f'{out.stamp()} apply_patch auto_approved=true:', 'M src/api/client.py',
                         'M src/cli.py', 'M tests/test_client.py')
    yield from out.write(0.3, f'{out.stamp()} turn diff:', 'diff --git a/src/api/client.py b/src/api/client.py',
                         'index 3b18e51..a9f1c2d 100644', '--- a/src/api/client.py', '+++ b/src/api/client.py',
                         '@@ -10,5 +10,5 @@ import json', ' ', ' ', '-def fetch_json(url: str) -> dict:',
                         '+def get_json(url: str) -> dict:', '     """GET a URL and decode its JSON body."""',
                         'diff --git a/src/cli.py b/src/cli.py', '--- a/src/cli.py', '+++ b/src/cli.py',
                         '@@ -40 +40 @@ def main(args):', '-    data = fetch_json(args.url)',
                         '+    data = get_json(args.url)')
    yield from out.write(1.5, f"{out.stamp()} exec bash -lc 'python -m pytest -q' in /workspace")
    yield from out.write(1.2, f"{out.stamp()} bash -lc 'python -m pytest -q' succeeded in 1.02s:",
                         '..........', '10 passed in 0.84s')
    yield from out.write(1.5, f'{out.stamp()} codex',
                         'Renamed fetch_json to get_json in 3 files; all 10 tests pass.',
                         'Pull request: https://github.com/acme/api/pull/57')
    yield from out.write(0.3, f'{out.stamp()} tokens used: 8,214')
    yield from out.flush()
    yield 0.0, Exit(0)
