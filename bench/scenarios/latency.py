"""End-to-end latency, from the simulator's emission stamp to the viewer, on one clock, for both views the
dashboard has (the structured stream-json view and plain text), with everyone watching from the start and again
while viewers join and leave."""

from __future__ import annotations

import time

from ..light import LightRun
from ..measure import Delivery, all_emission_times, latencies, ms, page_delivery, percentile
from ..registry import Context, Row, Scenario, Target, register
from ._common import SIDES, chatty, finish_all, light_kind, light_path, observe, page_path, viewer_page

VIEWS = ('stream-json', 'plain text')
CHURN = (2.0, 6.0)
"""Seconds a light viewer stays before it leaves and comes back as a new page, while viewers join and leave."""


def _one(ctx: Context, side: str, view: str, churn: bool, sessions: int, viewers: int, chromium: int, rate: float,
         seconds: float) -> dict:
    server = ctx.dashboard if side == 'ours' else ctx.baseline
    wait = (8 if ctx.quick else 10) + 1.5 * sessions * chromium
    ids = [chatty(ctx.simulator, view=view, rate=rate, events=int(rate * seconds), wait=wait)
           for _ in range(sessions)]
    started = time.time()
    paths = [light_path(side, sid) for sid in ids for _ in range(viewers - chromium)]
    light = LightRun(light_kind(side), server.url, paths, wait + seconds + 120, CHURN if churn else None)
    pages = []
    for session_id in ids:
        for _ in range(chromium):
            page = viewer_page(ctx.browser)
            observe(page, server.url + page_path(side, session_id))
            pages.append((session_id, page))
    ready = max(light.ready(), time.time()) - started
    joiners: list[tuple[str, Delivery]] = []
    deadline = time.monotonic() + wait + seconds + 60
    if churn:  # a Chromium viewer too joins and leaves during the output, measured like the others
        time.sleep(max(0.0, started + wait - time.time()))
        while time.monotonic() < deadline and len(joiners) < seconds / 3:
            session_id = ids[len(joiners) % len(ids)]
            page = viewer_page(ctx.browser)
            observe(page, server.url + page_path(side, session_id))
            time.sleep(2.0)
            delivery = page_delivery(page)
            delivery.end = time.time()
            joiners.append((session_id, delivery))
            page.context.close()
    finish_all(ctx.simulator, ids, timeout=max(1.0, deadline - time.monotonic()))
    time.sleep(1.5)
    deliveries = [(sid, page_delivery(page)) for sid, page in pages]
    for _, page in pages:
        page.context.close()
    report = light.finish()
    if report.errors:
        raise RuntimeError(f'{side}: light viewers failed: {report.errors[:3]}')
    emitted = all_emission_times(ctx.simulator, ids)
    first = min((min(e.values()) for e in emitted.values() if e), default=None)
    result = {'chromium': [], 'light': [], 'expected': 0, 'measured': 0, 'ready': ready,
              'in_place': first is not None and started + ready <= first}
    for kind, pairs in (('chromium', deliveries + joiners),
                        ('light', [(sid, d) for sid in ids for d in report.of(light_path(side, sid))])):
        for session_id, delivery in pairs:
            values, expected, measured = latencies([delivery], emitted[session_id])
            result[kind] += values
            result['expected'] += expected
            result['measured'] += measured
    result['viewers'] = len(pages) + len(joiners), report.connected
    return result


FULL = {'sessions': 5, 'viewers': 10, 'chromium': 2, 'rate': 50, 'seconds': 8}
QUICK = {'sessions': 1, 'viewers': 3, 'chromium': 1, 'rate': 20, 'seconds': 3}


def run(ctx: Context) -> list[Row]:
    size = {**(QUICK if ctx.quick else FULL), **ctx.options}
    sessions, viewers, chromium, rate, seconds = (size[key] for key in ('sessions', 'viewers', 'chromium', 'rate',
                                                                        'seconds'))
    rows = []
    # the quick run checks each view and each mode once: stream-json steady, plain text with viewers coming and going
    combos = [('stream-json', False), ('plain text', True)] if ctx.quick else \
        [(view, churn) for view in VIEWS for churn in (False, True)]
    for view, churn in combos:
        group = (f'{sessions} sessions × {viewers} viewers, {rate:g} events/s, {view}'
                 + (', viewers joining and leaving' if churn else ''))
        got = {side: _one(ctx, side, view, churn, sessions, viewers, chromium, rate, seconds) for side in SIDES}
        for side in SIDES:
            if not got[side]['in_place'] and not churn:
                raise RuntimeError(f'{side}: viewers were not all in place before the first output '
                                   f'({got[side]["ready"]:.1f} s): raise the wait')
        ours, theirs = got['ours'], got['baseline']
        note = (f'Chromium pages {ours["viewers"][0]} / {theirs["viewers"][0]}, light connections '
                f'{ours["viewers"][1]} / {theirs["viewers"][1]}; ticks received {ours["measured"]:,} of '
                f'{ours["expected"]:,} / {theirs["measured"]:,} of {theirs["expected"]:,}; in place after '
                f'{ours["ready"]:.1f} / {theirs["ready"]:.1f} s')
        for label, fraction in (('p50', 0.5), ('p99', 0.99)):
            rows.append(Row(group, f'Chromium latency {label} (ms)', ms(percentile(ours['chromium'], fraction)),
                            ms(percentile(theirs['chromium'], fraction)), clients='chromium', note=note))
        for label, fraction in (('p50', 0.5), ('p99', 0.99)):
            rows.append(Row(group, f'light viewer latency {label} (ms)', ms(percentile(ours['light'], fraction)),
                            ms(percentile(theirs['light'], fraction)), clients='light', note=note))
        rows.append(Row(group, 'ticks received (% of expected)',
                        100 * ours['measured'] / max(1, ours['expected']),
                        100 * theirs['measured'] / max(1, theirs['expected']), clients='chromium + light',
                        note=note, higher_is_better=True))
    return rows


def _p50(ours: float | None, theirs: float | None) -> bool:
    return ours is not None and theirs is not None and ours <= theirs + 10


def _p99(ours: float | None, theirs: float | None) -> bool:
    return ours is not None and theirs is not None and ours < theirs


register(Scenario(
    'latency', 'Latency, stream-json and plain text', run,
    targets={'Chromium latency p50 (ms)': Target("≤ the baseline's p50 + 10 ms", _p50),
             'Chromium latency p99 (ms)': Target("below the baseline's p99", _p99),
             'ticks received (% of expected)': Target('100 %', lambda ours, _: ours is not None and ours >= 100)},
    higher_is_better=frozenset({'ticks received (% of expected)'}),
    explain=(
        'Sessions write `tick N` at a steady rate once every viewer is in place (the simulator\'s `wait:`); the '
        'simulator stamps each output event with its emission time, and every viewer records when each tick '
        'reached it on the same clock: Chromium pages in their DOM (a `MutationObserver`), light viewers when '
        'the websocket message or SSE line arrived. Every viewer is measured. '
        'With the simulator paced like AoD, latency includes up to 0.5 s of AoD\'s own batching, the same for both '
        'sides. In the "joining and leaving" rows each light viewer leaves after 2–6 s and comes back as a new page, '
        'and a Chromium page joins for 2 s at a time, all measured for the ticks emitted while they watched.')))
