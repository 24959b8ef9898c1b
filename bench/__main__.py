"""Run the benchmark: our dashboard and the plain per-viewer SSE proxy, side by side, against the same simulator.

    python -m bench                       every default scenario, 5 repeats each (see docs/benchmarks.md for how long)
    python -m bench --quick               every scenario cut down to seconds, one repeat (the tests' smoke run)
    python -m bench --only latency,page_load --repeats 7
    python -m bench --only soak --soak 60         the soak alone, 60 minutes
    python -m bench --only load                   the 100-viewer websocket load test (also one of the tests)
    python -m bench --only archive                the archive at AoD's pace: first and later opens, a backfill
    python -m bench --quick --only api            API followers beside page viewers, tiny
    python -m bench --only search                 the search index: 10,000 sessions / 10 million lines, and live
                                                  latency with and without indexing

Each scenario's raw results (every repeat's rows) go to bench/results/<scenario>.json (or `--out`); then
`python -m bench.report` writes the tables into docs/benchmarks.md and the README.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from contextlib import ExitStack
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from . import scenarios as _scenarios  # noqa: F401 - registers every scenario
from .harness import CHROMIUM, CHROMIUM_ARGS, ROOT, settle, stack
from .registry import SCENARIOS, Context, Row, Scenario

RESULTS = Path(__file__).resolve().parent / 'results'
KEPT = ('scenario', 'metric', 'ours', 'baseline', 'clients', 'note')
"""What the raw results keep of a row: the report derives targets, ratios and verdicts from the code."""


def _machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    return {'cores': os.cpu_count(), 'cpu': cpu, 'python': platform.python_version()}


def _commit() -> str:
    """The commit measured, marked `+changes` when the work tree had changes not committed."""
    head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    changes = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no'], cwd=ROOT, capture_output=True,
                             text=True).stdout.strip()
    return head + ('+changes' if changes else '')


def _row(row: Row) -> dict:
    data = asdict(row)
    return {key: round(data[key], 4) if isinstance(data[key], float) else data[key] for key in KEPT}


class Runner:
    """Runs scenarios on the right processes: one shared stack (started on first use), or stacks of their own."""

    def __init__(self, exits: ExitStack, browser, *, quick: bool, unpaced: bool) -> None:
        self.exits, self.browser, self.quick, self.unpaced = exits, browser, quick, unpaced
        self._shared = None

    def shared(self):
        if self._shared is None:
            self._shared = self.exits.enter_context(stack(paced=not self.unpaced))
        return self._shared

    def run(self, scenario: Scenario, repeats: int, options: dict) -> dict:
        raw = {'scenario': scenario.name, 'quick': self.quick, 'date': datetime.now(UTC).isoformat(timespec='seconds'),
               'commit': _commit(), 'machine': _machine(), 'repeats': [],
               'paced': not self.unpaced and scenario.stack != 'unpaced'}
        started = time.monotonic()
        try:
            with ExitStack() as own:
                if scenario.stack == 'unpaced':
                    processes = own.enter_context(stack(paced=False))
                for repeat in range(repeats):
                    if scenario.stack == 'fresh':
                        with stack(paced=not self.unpaced) as fresh:
                            rows = scenario.run(self._context(fresh, repeat, options))
                    else:
                        if scenario.stack == 'shared':
                            processes = self.shared()
                            if not self.quick:  # viewers of an earlier run leave first: each measures its own load
                                settle(processes[1], timeout=90)
                        rows = scenario.run(self._context(processes, repeat, options))
                    raw['repeats'].append([_row(row) for row in rows])
                    print(f'{scenario.name}: repeat {repeat + 1} of {repeats} done', file=sys.stderr, flush=True)
        except Exception as error:  # recorded with the results and reported: the other scenarios still run
            traceback.print_exc()
            raw['error'] = f'{type(error).__name__}: {error}'[:500]
        raw['seconds'] = round(time.monotonic() - started, 1)
        return raw

    def _context(self, processes, repeat: int, options: dict) -> Context:
        simulator, dashboard, baseline = processes
        return Context(self.browser, simulator, dashboard, baseline, self.quick, repeat, options)


def main() -> int:
    parser = argparse.ArgumentParser(description='Benchmark the dashboard against a plain SSE proxy.')
    parser.add_argument('--quick', '--smoke', action='store_true',
                        help='every scenario cut down to seconds, one repeat: checks the harness, judges nothing')
    parser.add_argument('--only', help=f'comma-separated, from: {", ".join(SCENARIOS)} (default: all but soak and '
                                       'load; --quick runs all)')
    parser.add_argument('--repeats', type=int, default=5, help='repeats of each scenario (default: %(default)s)')
    parser.add_argument('--out', type=Path, default=RESULTS, help='where the raw results go (default: %(default)s)')
    parser.add_argument('--soak', type=float, default=None, metavar='MINUTES', help='length of the soak')
    parser.add_argument('--rung-seconds', type=float, help='length of each throughput and scaling rung')
    parser.add_argument('--unpaced', action='store_true',
                        help='a simulator that does not pace its streams like AoD (labelled so in the results)')
    args = parser.parse_args()
    if args.only:
        names = args.only.split(',')
        unknown = [name for name in names if name not in SCENARIOS]
        if unknown:
            parser.error(f'unknown scenario(s): {", ".join(unknown)}; known: {", ".join(SCENARIOS)}')
    else:
        names = [name for name, scenario in SCENARIOS.items() if scenario.default or args.quick]
    options: dict = {}
    if args.soak is not None:
        options['minutes'] = args.soak
        if 'soak' not in names:
            names.append('soak')
    if args.rung_seconds is not None:
        options['rung_seconds'] = args.rung_seconds
    args.out.mkdir(parents=True, exist_ok=True)
    failed = []
    from playwright.sync_api import sync_playwright
    with ExitStack() as exits:
        playwright = exits.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        exits.callback(browser.close)
        runner = Runner(exits, browser, quick=args.quick, unpaced=args.unpaced)
        for name in names:
            scenario = SCENARIOS[name]
            repeats = 1 if args.quick else scenario.repeats or args.repeats
            raw = runner.run(scenario, repeats, options)
            (args.out / f'{name}.json').write_text(json.dumps(raw, indent=1, ensure_ascii=False) + '\n')
            if 'error' in raw:
                failed.append(name)
    if failed:
        print(f'failed: {", ".join(failed)}', file=sys.stderr)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
