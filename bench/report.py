"""Generate the benchmark tables of docs/benchmarks.md and the README's benchmark paragraph from the raw results
committed under bench/results/ (one JSON file per scenario, every repeat's rows). No figure is typed by hand:

    python -m bench.report            rewrite both between their `<!-- bench:... -->` markers
    python -m bench.report --check    fail if either differs from what the results give (the tests run this)

Each figure is the median over the repeats with the spread (lowest–highest); each target is judged from the
medians, and one that is missed reads **missed**.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import scenarios as _scenarios  # noqa: F401 - registers every scenario
from .measure import median
from .registry import SCENARIOS, Scenario, Target

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / 'bench' / 'results'
DOCS = ROOT / 'docs' / 'benchmarks.md'
README = ROOT / 'README.md'
MARKS = {'tables': ('<!-- bench:tables -->', '<!-- /bench:tables -->'),
         'summary': ('<!-- bench:summary -->', '<!-- /bench:summary -->')}
HEADLINES = (  # the README's paragraph: (scenario, a part of the group, metric)
    ('connections', '50 viewers', 'upstream stream connections'),
    ('latency', 'stream-json', 'Chromium latency p50 (ms)'),
    ('latency', 'stream-json', 'Chromium latency p99 (ms)'),
    ('throughput', '', 'highest events/s with p99 ≤ 1 s, all received, no backlog'),
    ('page_load', '50 other viewers', 'time to interactive (ms)'),
    ('idle', '', 'server memory per viewer (MB)'),
    ('soak', '', 'dashboard RSS slope (MB/h)'),
)


@dataclass
class Figure:
    """One (group, metric) over the repeats."""

    group: str
    metric: str
    clients: str = ''
    ours: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)

    @property
    def ours_median(self) -> float | None:
        return median(self.ours)

    @property
    def baseline_median(self) -> float | None:
        return median(self.baseline)


def aggregate(raw: dict) -> tuple[list[Figure], list[str]]:
    """Every (group, metric) in the order first seen, with its values over the repeats; and the repeats' notes."""
    figures: dict[tuple[str, str], Figure] = {}
    notes: list[str] = []
    for index, rows in enumerate(raw['repeats']):
        seen_notes: set[tuple[str, str]] = set()
        for row in rows:
            figure = figures.setdefault((row['scenario'], row['metric']),
                                        Figure(row['scenario'], row['metric'], row.get('clients', '')))
            if row['ours'] is not None:
                figure.ours.append(row['ours'])
            if row['baseline'] is not None:
                figure.baseline.append(row['baseline'])
            if row.get('note') and (row['scenario'], row['note']) not in seen_notes:
                seen_notes.add((row['scenario'], row['note']))
                notes.append(f'{row["scenario"]}, repeat {index + 1}: {row["note"]}')
    return list(figures.values()), notes


def fmt(value: float | None) -> str:
    if value is None:
        return '—'
    return f'{value:,.0f}' if abs(value) >= 100 else f'{value:,.3g}'


def spread(values: list[float]) -> str:
    if not values:
        return '—'
    if len(values) == 1:
        return fmt(values[0])
    return f'{fmt(median(values))} ({fmt(min(values))}–{fmt(max(values))})'


def judge(scenario: Scenario, figure: Figure) -> tuple[str, str]:
    """The target's text and whether it is met (`yes`, `**missed**`, or `—` where no target applies)."""
    target: Target | None = scenario.targets.get(figure.metric)
    if target is None or (target.only and target.only not in figure.group):
        return '', '—'
    return target.text, 'yes' if target.judge(figure.ours_median, figure.baseline_median) else '**missed**'


def ratio(scenario: Scenario, figure: Figure) -> str:
    ours, theirs = figure.ours_median, figure.baseline_median
    if not ours or not theirs:
        return '—'
    value = ours / theirs if figure.metric in scenario.higher_is_better else theirs / ours
    return f'{value:.2f}'


def _short(commit: str) -> str:
    return commit[:8] + (' with changes not committed' if commit.endswith('+changes') else '')


def _meta(raw: dict) -> str:
    machine = raw.get('machine', {})
    pace = ('the simulator paced like AoD (100 rows per read, 0.5 s between reads)' if raw.get('paced')
            else '**an unpaced simulator**')
    text = (f'{len(raw["repeats"])} repeat(s) on {raw.get("date", "?")[:10]}, commit '
            f'`{_short(raw.get("commit", "?"))}`, {machine.get("cores", "?")} cores ({machine.get("cpu", "?")}), '
            f'{pace}; the run took '
            f'{raw.get("seconds", 0):.0f} s.')
    if raw.get('quick'):
        text += ' **A quick run: sizes and durations cut down; its figures are not comparable to a full run.**'
    if raw.get('error'):
        text += f' **The run failed:** {raw["error"]}'
    return text


def tables(results: Path) -> str:
    parts = []
    for name, scenario in SCENARIOS.items():
        parts.append(f'### {scenario.title} (`{name}`)\n')
        path = results / f'{name}.json'
        if not path.exists():
            parts.append(f'No committed results yet: `python -m bench --only {name}` writes them.\n')
            continue
        raw = json.loads(path.read_text())
        figures, notes = aggregate(raw)
        parts.append(_meta(raw) + '\n')
        has_baseline = any(figure.baseline for figure in figures)
        head = '| group | metric | ours | ' + ('baseline | ours better by (×) | ' if has_baseline else '') + \
               'target | met | clients |'
        parts.append(head)
        parts.append('|' + '---|' * (head.count('|') - 1))
        for figure in figures:
            target, met = judge(scenario, figure)
            cells = [figure.group, figure.metric, spread(figure.ours)]
            if has_baseline:
                cells += [spread(figure.baseline), ratio(scenario, figure)]
            cells += [target, met, figure.clients]
            parts.append('| ' + ' | '.join(cells) + ' |')
        parts.append('')
        if scenario.explain:
            parts.append(' '.join(scenario.explain.split()) + '\n')
        if notes:
            parts.append('<details><summary>Notes of each repeat</summary>\n')
            parts += [f'- {note}' for note in notes]
            parts.append('\n</details>\n')
    parts.append(ceiling(results))
    return '\n'.join(parts)


def _figure(results: Path, name: str, group_part: str, metric: str) -> tuple[Scenario, Figure] | None:
    path = results / f'{name}.json'
    if not path.exists():
        return None
    for figure in aggregate(json.loads(path.read_text()))[0]:
        if group_part in figure.group and figure.metric == metric:
            return SCENARIOS[name], figure
    return None


def ceiling(results: Path) -> str:
    """The single-process ceiling, from the scaling curve and the throughput ladder."""
    lines = ['### The single-process ceiling\n']
    found = []
    for curve in ('one session', 'ten sessions', 'sessions, 2 viewers each'):
        viewers = _figure(results, 'scaling', f'ceiling, {curve}', 'viewers with p99 ≤ 1 s and every tick received')
        sessions = _figure(results, 'scaling', f'ceiling, {curve}', 'sessions at that point')
        events = _figure(results, 'scaling', f'ceiling, {curve}', 'events/s delivered to viewers at that point')
        if viewers and sessions and events:
            found.append(f'- {curve}: **{fmt(viewers[1].ours_median)} viewers** over {fmt(sessions[1].ours_median)} '
                         f'session(s) at 50 events/s each, {fmt(events[1].ours_median)} events/s delivered to '
                         'viewers, with p99 ≤ 1 s and every tick received.')
    throughput = _figure(results, 'throughput', '', 'highest events/s with p99 ≤ 1 s, all received, no backlog')
    if throughput:
        found.append(f'- one session on an unpaced simulator: **{fmt(throughput[1].ours_median)} events/s** to '
                     'three Chromium viewers (AoD itself paces one stream to 200 rows/s).')
    if not found:
        lines.append('Not measured yet: `python -m bench --only scaling,throughput` measures it.')
    else:
        lines.append('Medians over the repeats; one dashboard process on the machine above carries:\n')
        lines += found
    return '\n'.join(lines) + '\n'


def summary(results: Path) -> str:
    lines = []
    for name, group_part, metric in HEADLINES:
        found = _figure(results, name, group_part, metric)
        if found is None:
            continue
        scenario, figure = found
        target, met = judge(scenario, figure)
        against = '' if figure.baseline_median is None else f' (the proxy: {fmt(figure.baseline_median)})'
        verdict = '' if not target else f'; target {target}: {met}'
        lines.append(f'- {figure.group}: {metric} {fmt(figure.ours_median)}{against}{verdict}.')
    if not lines:
        return ('No benchmark results are committed yet; `python -m bench` measures them and `python -m bench.report` '
                'writes them here and into docs/benchmarks.md.')
    return 'Medians over the committed runs (docs/benchmarks.md has every figure, its spread and its run):\n\n' + \
        '\n'.join(lines)


def replace(text: str, mark: str, body: str) -> str:
    start, end = MARKS[mark]
    if start not in text or end not in text:
        raise ValueError(f'the markers {start} … {end} are missing')
    head, rest = text.split(start, 1)
    return f'{head}{start}\n{body.strip()}\n{end}{rest.split(end, 1)[1]}'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Generate the benchmark tables from the committed raw results.')
    parser.add_argument('--results', type=Path, default=RESULTS)
    parser.add_argument('--docs', type=Path, default=DOCS)
    parser.add_argument('--readme', type=Path, default=README)
    parser.add_argument('--check', action='store_true', help='fail if the files differ from the results')
    args = parser.parse_args(argv)
    stale = []
    for path, mark, body in ((args.docs, 'tables', tables(args.results)), (args.readme, 'summary',
                                                                          summary(args.results))):
        old = path.read_text()
        new = replace(old, mark, body)
        if new != old:
            stale.append(str(path))
            if not args.check:
                path.write_text(new)
    if args.check and stale:
        print(f'out of date with {args.results}: {", ".join(stale)}; run python -m bench.report', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
