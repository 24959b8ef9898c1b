"""The soak: live sessions that never stop writing, watched for a long time by viewers who join and leave all
along; the dashboard's memory over time as a slope with its confidence interval, and everything it holds counted
before, during and after, when everyone has left."""

from __future__ import annotations

import random
import time

from ..harness import health, launch, stats, terminate
from ..light import LightRun
from ..measure import median, slope
from ..registry import Context, Row, Scenario, Target, register

STAY = (20.0, 120.0)
"""Seconds a light viewer stays before it leaves and comes back as a new page."""
WARM_UP = 10.0
"""Minutes left out of the slope after the start: the sessions' bounded holds and the pages' windows fill first
(about 3 minutes at this load); the slope of the whole run is reported too."""


def _counts(ctx: Context) -> dict[str, float]:
    state = health(ctx.dashboard)
    return {'asyncio tasks': state['tasks'], 'NiceGUI clients': state['clients'],
            'open file descriptors': ctx.dashboard.open_fds, 'upstream streams': stats(ctx.simulator)['open_streams'],
            'live streams (hubs)': state['live_streams'], 'viewers': state['viewers']}


def _per_minute(samples: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """Each minute's median: the garbage collector's sawtooth in single samples would pass for noise or trend."""
    minutes: dict[int, list[float]] = {}
    for at, value in samples:
        minutes.setdefault(int(at // 60), []).append(value)
    xs = [minute + 0.5 for minute in sorted(minutes)]
    return xs, [median(minutes[int(x)]) or 0.0 for x in xs]


def per_hour(value: float | None) -> float | None:
    return None if value is None else value * 60


def run(ctx: Context) -> list[Row]:
    minutes = ctx.options.get('minutes', 1.0 if ctx.quick else 60.0)
    sessions, viewers = (2, 3) if ctx.quick else (20, 5)
    seconds, every = minutes * 60, (2.0 if ctx.quick else 10.0)
    before, deadline = _counts(ctx), time.monotonic() + 120
    while (before['live streams (hubs)'] or before['viewers']) and time.monotonic() < deadline:
        time.sleep(2)  # what earlier scenarios left is gone first: the baseline is a dashboard nobody watches
        before = _counts(ctx)
    ids = [launch(ctx.simulator, 'scenario: long') for _ in range(sessions)]
    light = LightRun('ws', ctx.dashboard.url, [f'/sessions/{sid}' for sid in ids for _ in range(viewers - 1)],
                     seconds, (3.0, 8.0) if ctx.quick else STAY)
    light.ready()
    context = ctx.browser.new_context()
    page = context.new_page()
    page.goto(f'{ctx.dashboard.url}/sessions/{ids[0]}')
    rss: list[tuple[float, float]] = []
    heap: list[tuple[float, float]] = []
    peak = dict(before)
    started = time.monotonic()
    visitor, visitor_until = None, 0.0
    while (now := time.monotonic() - started) < seconds:
        time.sleep(every)
        rss.append((now / 60, ctx.dashboard.rss_mb))
        # what the page keeps, after a full collection: a sample of the garbage-collection sawtooth says little
        heap.append((now / 60, page.evaluate('(window.gc && gc(), performance.memory ? '
                                             'performance.memory.usedJSHeapSize / 1048576 : 0)')))
        peak = {name: max(value, peak[name]) for name, value in _counts(ctx).items()}
        if visitor is not None and now >= visitor_until:  # a Chromium viewer too comes and goes
            visitor.close()
            visitor = None
        elif visitor is None and random.random() < every / 60:
            visitor, visitor_until = context.new_page(), now + 20
            visitor.goto(f'{ctx.dashboard.url}/sessions/{random.choice(ids)}')
    context.close()
    report = light.result()
    terminate(ctx.simulator, ids)
    after, deadline = _counts(ctx), time.monotonic() + 120
    while any(after[name] > before[name] for name in after) and time.monotonic() < deadline:
        time.sleep(2)  # a page's client goes NiceGUI's reconnect window after it left, its hub 30 s after that
        after = _counts(ctx)
    label = f'{sessions} sessions × {viewers} viewers joining and leaving, {minutes:g} min'
    warm = WARM_UP if minutes > 2 * WARM_UP else minutes / 3
    xs, ys = _per_minute([(at, value) for at, value in rss if at >= warm])
    fit, whole = slope(xs, ys), slope(*_per_minute(rss))
    hx, hy = _per_minute(heap)
    heap_fit = slope(hx, hy)
    whole_text = 'n/a' if whole is None else f'{whole.value * 60:.1f}'
    note = (f'{report.connected} websocket connections made in all, {len(report.errors)} errors; slope after the '
            f'first {warm:g} min (whole run: {whole_text} MB/h); RSS per minute (MB): '
            f'{[round(y) for y in _per_minute(rss)[1]]}')
    rows = [Row(label, 'dashboard RSS slope (MB/h)', per_hour(fit.value) if fit else None, None, clients='light + '
                'chromium', note=note),
            Row(label, 'RSS slope, 95 % interval low (MB/h)', per_hour(fit.low) if fit else None, None,
                clients='light + chromium'),
            Row(label, 'RSS slope, 95 % interval high (MB/h)', per_hour(fit.high) if fit else None, None,
                clients='light + chromium'),
            Row(label, 'browser JS heap slope (MB/h)', per_hour(heap_fit.value) if heap_fit else None, None,
                clients='chromium', note=f'heap per minute (MB): {[round(y, 1) for y in hy]}')]
    for name in before:
        rows.append(Row('after everyone left', f'{name}: after − before', after[name] - before[name], None,
                        clients='http', note=f'before {before[name]:g}, peak {peak[name]:g}, after {after[name]:g}'))
    return rows


def _zero(ours: float | None, _theirs: float | None) -> bool:
    return ours is not None and ours <= 0


register(Scenario(
    'soak', 'Soak', run, default=False, repeats=1,
    targets={'dashboard RSS slope (MB/h)': Target('< 5 MB/h', lambda ours, _: ours is not None and ours < 5),
             'RSS slope, 95 % interval low (MB/h)': Target('≤ 0 (the interval includes 0)', _zero),
             'RSS slope, 95 % interval high (MB/h)': Target('≥ 0 (the interval includes 0)',
                                                           lambda ours, _: ours is not None and ours >= 0),
             **{f'{name}: after − before': Target('0', _zero) for name in (
                 'asyncio tasks', 'NiceGUI clients', 'open file descriptors', 'upstream streams',
                 'live streams (hubs)', 'viewers')}},
    explain=(
        'Sessions of the simulator\'s `long` scenario (they write until terminated), each watched by light '
        'viewers that stay 20–120 s, leave and come back as new pages, one Chromium page throughout, and a '
        'Chromium visitor now and then. Dashboard RSS and the page\'s JS heap (after a full collection) every '
        '10 s; the slope is a least-squares fit of the per-minute medians after the warm-up, with its 95 % '
        'interval. Before, at the peak and after everyone has left (and the sessions ended), the dashboard\'s '
        'asyncio tasks, NiceGUI clients, open file descriptors, live streams and viewers, and the upstream '
        'streams open at the simulator. One run (`--soak MINUTES`): the interval is its statement of spread.')))
