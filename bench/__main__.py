"""Run the benchmark: our dashboard and the plain per-viewer SSE proxy, side by side, against the same simulator.

    python -m bench             the whole benchmark (under 5 minutes on 2 cores)
    python -m bench --smoke     a tiny run of every scenario, no targets judged (CI)
    python -m bench --only latency,connections
    python -m bench --only load                the 100-viewer websocket load test (also one of the tests)
    python -m bench --smoke --only api         API followers beside page viewers, tiny
    python -m bench --only archive             the archive at AoD's pace: first and later opens, a backfill
    python -m bench --only soak --soak 10 --out bench/results/soak     the 10-minute soak (separate, longer)

Prints a table and writes bench/results/latest.json and latest.md.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

from . import scenarios
from .harness import CHROMIUM, CHROMIUM_ARGS, settle, stack

RESULTS = Path(__file__).resolve().parent / 'results'
ALL = ('connections', 'latency', 'api', 'throughput', 'idle', 'huge', 'list', 'load', 'archive')
FULL = tuple(name for name in ALL if name != 'load')
"""The full run leaves out the 2-minute websocket load test: it runs with the tests (tests/faults/test_load.py)."""


def _fmt(value: float | None) -> str:
    if value is None:
        return '—'
    return f'{value:,.0f}' if abs(value) >= 100 else f'{value:,.3g}'


def markdown(rows: list[scenarios.Row], seconds: float) -> str:
    lines = ['| scenario | metric | ours | baseline | ours better by (×) | target | met | clients | note |',
             '|---|---|---|---|---|---|---|---|---|']
    for row in rows:
        ratio = '—' if row.ratio is None else f'{row.ratio:.2f}'
        met = '—' if row.met is None else ('yes' if row.met else 'NO')
        lines.append(f'| {row.scenario} | {row.metric} | {_fmt(row.ours)} | {_fmt(row.baseline)} | {ratio} | '
                     f'{row.target} | {met} | {row.clients} | {row.note} |')
    lines.append(f'\nRun took {seconds:.0f} s. Clients: `chromium` = real headless Chromium pages measuring in the '
                 'DOM; `light` = clients without a browser (a page load and NiceGUI\'s websocket for ours, an SSE '
                 'stream for the baseline); `http` = page loads.')
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description='Benchmark the dashboard against a plain SSE proxy.')
    parser.add_argument('--smoke', action='store_true', help='a tiny run of every scenario (no targets judged)')
    parser.add_argument('--only', help=f'comma-separated, from: {", ".join(ALL)} (default: all but load; the smoke run '
                                       'has all)')
    parser.add_argument('--out', type=Path, default=RESULTS)
    parser.add_argument('--render', type=Path, metavar='JSON', help='only print the table of an earlier run')
    parser.add_argument('--soak', type=float, default=0, metavar='MINUTES',
                        help='also run the soak: 20 sessions × 5 viewers for this many minutes')
    args = parser.parse_args()
    if args.render:
        report = json.loads(args.render.read_text())
        fields = {f for f in scenarios.Row.__dataclass_fields__}
        rows = [scenarios.Row(**{k: v for k, v in row.items() if k in fields}) for row in report['rows']]
        for row in rows:
            row.higher_is_better = row.metric.startswith('highest')
        print(markdown(rows, report['seconds']))
        return
    smoke = args.smoke
    only = set(args.only.split(',') if args.only else ALL if smoke else FULL)
    started = time.monotonic()
    rows: list[scenarios.Row] = []
    from playwright.sync_api import sync_playwright
    with stack() as (simulator, dashboard, baseline), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def between() -> None:
            # a scenario's pages leave the dashboard `reconnect_timeout` after they close: the next one waits for
            # that, so it measures its own load alone (the smoke run judges nothing and does not wait)
            if not smoke:
                settle(dashboard)
        if 'connections' in only:
            rows += scenarios.upstream_connections(simulator, dashboard, baseline, [1, 3] if smoke else [1, 10, 50])
        if 'latency' in only:
            between()
            rows += scenarios.latency(browser, simulator, dashboard, baseline, sessions=1 if smoke else 5,
                                      viewers=2 if smoke else 10, rate=20 if smoke else 50,
                                      seconds=2 if smoke else 8)
        if 'api' in only:
            between()
            from .api_followers import FULL as API_FULL
            from .api_followers import SMOKE as API_SMOKE
            from .api_followers import run as api_followers
            rows += [scenarios.Row(**row) for row in api_followers(browser, simulator, dashboard,
                                                                   **(API_SMOKE if smoke else API_FULL))]
        if 'throughput' in only:
            between()
            rows += scenarios.throughput(browser, simulator, dashboard, baseline, viewers=1 if smoke else 3,
                                         rates=[200] if smoke else [500, 1000, 2000, 3500, 5000],
                                         seconds=1 if smoke else 4)
        if 'idle' in only:
            # on processes of their own: memory that earlier scenarios freed would be reused by the new viewers'
            # pages and hide what they cost (0.08 MB per viewer measured after the others, 0.74 MB fresh)
            with stack() as (fresh_simulator, fresh_dashboard, fresh_baseline):
                rows += scenarios.idle_memory(browser, fresh_dashboard, fresh_baseline, fresh_simulator,
                                              2 if smoke else 20)
        if 'huge' in only:
            between()
            rows += scenarios.huge_session(browser, simulator, dashboard, baseline, 2000 if smoke else 100_000)
        if 'list' in only:
            between()
            rows += scenarios.session_list(simulator, dashboard, baseline, 50 if smoke else 5000)
        if 'archive' in only:
            between()
            from . import archive
            rows += archive.first_and_later_open(browser, simulator, baseline, 2000 if smoke else 100_000)
            rows += archive.backfill(browser, simulator, baseline, 20 if smoke else 200, viewers=2 if smoke else 10,
                                     rate=20 if smoke else 50, seconds=2 if smoke else 8)
        if 'load' in only:
            between()
            rows += scenarios.websocket_load(simulator, dashboard, 5 if smoke else 100, 5 if smoke else 120)
        if args.soak:
            between()
            rows += scenarios.soak(browser, simulator, dashboard, sessions=20, viewers=5, minutes=args.soak)
        browser.close()
    seconds = time.monotonic() - started
    if smoke:
        for row in rows:
            row.met = None
    args.out.mkdir(parents=True, exist_ok=True)
    table = markdown(rows, seconds)
    (args.out / 'latest.json').write_text(json.dumps({'smoke': smoke, 'seconds': seconds,
                                                      'rows': [asdict(r) | {'ratio': r.ratio} for r in rows]},
                                                     indent=2))
    (args.out / 'latest.md').write_text(table + '\n')
    print(table)


if __name__ == '__main__':
    main()
