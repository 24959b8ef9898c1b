"""Throughput: one session at a rising event rate, every viewer a Chromium page in place before the output starts,
every tick counted; each side climbs until its p99 passes 1 s or a backlog shows."""

from __future__ import annotations

import time

from ..measure import emission_times, latencies, median, ms, page_delivery, percentile
from ..registry import Context, Row, Scenario, Target, register
from ._common import SIDES, chatty, finish_all, observe, page_path, viewer_page

LADDER = (500, 1000, 2000, 3500, 5000, 7500, 10_000, 15_000, 20_000, 30_000)


def _rung(ctx: Context, side: str, rate: int, viewers: int, seconds: float) -> dict:
    server = ctx.dashboard if side == 'ours' else ctx.baseline
    wait = 6 + 1.5 * viewers
    session_id = chatty(ctx.simulator, view='plain text', rate=rate, events=int(rate * seconds), wait=wait)
    started = time.time()
    pages = []
    for _ in range(viewers):
        page = viewer_page(ctx.browser)
        observe(page, server.url + page_path(side, session_id))
        pages.append(page)
    in_place = time.time()
    finish_all(ctx.simulator, [session_id], timeout=wait + seconds * 3 + 60)
    time.sleep(2.0)  # what has not arrived two seconds after the last tick is a backlog
    deliveries = [page_delivery(page) for page in pages]
    for page in pages:
        page.context.close()
    emitted = emission_times(ctx.simulator, session_id)
    values, expected, measured = latencies(deliveries, emitted)
    stamps = sorted(emitted.values())
    achieved = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 and stamps[-1] > stamps[0] else 0.0
    # a backlog that grows: the latency of the last tenth of the ticks against the first tenth's
    ordered = sorted(emitted)
    tenth = max(1, len(ordered) // 10)
    early = median([d.seen[t] - emitted[t] for d in deliveries for t in ordered[:tenth] if t in d.seen])
    late = median([d.seen[t] - emitted[t] for d in deliveries for t in ordered[-tenth:] if t in d.seen])
    growing = early is not None and late is not None and late - early > 0.5
    p99 = percentile(values, 0.99)
    return {'rate': rate, 'p99': ms(p99), 'expected': expected, 'measured': measured, 'achieved': achieved,
            'growing': growing, 'in_place': in_place - started < wait, 'limited': achieved < 0.9 * rate,
            'ok': p99 is not None and p99 <= 1.0 and measured == expected and not growing}


def run(ctx: Context) -> list[Row]:
    viewers = ctx.options.get('viewers', 3)
    seconds = ctx.options.get('rung_seconds', 2 if ctx.quick else 60)
    ladder = ctx.options.get('rates') or ((200, 400) if ctx.quick else LADDER)
    rungs: dict[str, list[dict]] = {side: [] for side in SIDES}
    best = {side: 0 for side in SIDES}
    for side in SIDES:
        for rate in ladder:
            rung = _rung(ctx, side, rate, viewers, seconds)
            rungs[side].append(rung)
            if not rung['in_place']:
                raise RuntimeError(f'{side}@{rate}: the viewers were not in place before the output')
            if not rung['ok']:
                break
            best[side] = rate
            if rung['limited']:
                break  # the simulator cannot write faster: the ladder ends here, not the side's ceiling
    group = f'1 session × {viewers} Chromium viewers, {seconds:g} s per rung, unpaced'
    top = {side: (rungs[side][-1]['ok'] and rungs[side][-1]['rate'] == best[side]) for side in SIDES}
    note = '; '.join(
        f'{side}@{r["rate"]}: p99 {r["p99"] if r["p99"] is None else round(r["p99"])} ms, received '
        f'{r["measured"]:,}/{r["expected"]:,}, emitted {r["achieved"]:,.0f}/s'
        + (', growing backlog' if r['growing'] else '')
        + (' (the simulator could not write at the rate: the ladder ends here)' if r['limited'] and r['ok'] else '')
        for side in SIDES for r in rungs[side])
    if any(top.values()):
        note += ('; the ladder ended without a failure for ' + ', '.join(s for s in SIDES if top[s])
                 + ' (the ceiling is at least that rate)')
    rows = [Row(group, 'highest events/s with p99 ≤ 1 s, all received, no backlog', best['ours'], best['baseline'],
                clients='chromium', note=note, higher_is_better=True)]
    rates = sorted({r['rate'] for side in SIDES for r in rungs[side]})
    for rate in rates:
        at = {side: next((r for r in rungs[side] if r['rate'] == rate), None) for side in SIDES}
        rows.append(Row(group, f'p99 at {rate:,} events/s (ms)', *(None if at[s] is None else at[s]['p99']
                                                                     for s in SIDES), clients='chromium'))
        rows.append(Row(group, f'received at {rate:,} events/s (%)',
                        *(None if at[s] is None else 100 * at[s]['measured'] / max(1, at[s]['expected'])
                          for s in SIDES), clients='chromium', higher_is_better=True))
    return rows


def _twice(ours: float | None, theirs: float | None) -> bool:
    return ours is not None and theirs is not None and ours >= 2 * theirs


register(Scenario(
    'throughput', 'Throughput ceiling of one session', run, stack='unpaced',
    targets={'highest events/s with p99 ≤ 1 s, all received, no backlog': Target('≥ 2× the baseline', _twice)},
    higher_is_better=frozenset({'highest events/s with p99 ≤ 1 s, all received, no backlog'}),
    explain=(
        'One session writes plain `tick N` lines at each rate of the ladder for the rung\'s length; three Chromium '
        'pages of each side are in place before the first line. Every tick each page should have shown is counted '
        '(received / expected); a rung passes when p99 ≤ 1 s, every tick arrived within 2 s of the last one, and '
        'the latency of the last tenth of the ticks is not 0.5 s above the first tenth\'s (no growing backlog). '
        'Each side climbs until a rung fails. AoD paces one stream to at most 200 rows a second, so this runs on '
        'an **unpaced** simulator: it measures the dashboard\'s own ceiling for one session, which real AoD never '
        'asks of it; at the real pace, many sessions are the load (see the scaling curve).')))
