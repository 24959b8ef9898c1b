"""The scaling curve of the dashboard alone: more and more viewers on one session, on ten sessions, and more and
more sessions, each at 50 events/s at AoD's pace, until the tail passes 1 s: the single-process ceiling."""

from __future__ import annotations

import time

from ..harness import settle, sim
from ..light import LightRun
from ..measure import all_emission_times, latencies, ms, percentile
from ..registry import Context, Row, Scenario, register
from ._common import chatty, finish_all

RATE = 50
CURVES = {  # name → sessions, and the total viewers of each rung
    'one session': (lambda viewers: 1, (1, 10, 100, 300, 450, 675, 1000, 1500, 2250, 3000)),
    'ten sessions': (lambda viewers: 10, (10, 100, 300, 450, 675, 1000, 1500, 2250, 3000)),
    'sessions, 2 viewers each': (lambda viewers: viewers // 2, (20, 100, 200, 400, 600, 900, 1350, 2000)),
}
QUICK = {'one session': (3,), 'ten sessions': (10,), 'sessions, 2 viewers each': (4,)}


def _rung(ctx: Context, sessions: int, viewers: int, seconds: float) -> dict:
    wait = 6 + viewers * 0.05
    ids = [chatty(ctx.simulator, view='stream-json', rate=RATE, events=int(RATE * seconds), wait=wait)
           for _ in range(sessions)]
    started = time.time()
    paths = [f'/sessions/{ids[i % sessions]}' for i in range(viewers)]
    light = LightRun('ws', ctx.dashboard.url, paths, wait + seconds * 3 + 120)
    ready = light.ready()
    cpu, sim_cpu, at = ctx.dashboard.cpu_seconds, ctx.simulator.cpu_seconds, time.monotonic()
    rss = [ctx.dashboard.rss_mb]
    deadline = at + wait + seconds * 3 + 60
    while time.monotonic() < deadline:
        time.sleep(1.0)
        rss.append(ctx.dashboard.rss_mb)
        if all(_done(ctx, sid) for sid in ids):
            break
    finish_all(ctx.simulator, ids, timeout=max(1.0, deadline - time.monotonic()))
    cpu, minutes = ctx.dashboard.cpu_seconds - cpu, (time.monotonic() - at) / 60
    sim_busy = (ctx.simulator.cpu_seconds - sim_cpu) / (minutes * 60) > 0.9
    time.sleep(1.5)  # the last ticks on their way
    report = light.finish()
    emitted = all_emission_times(ctx.simulator, ids)
    values, expected, measured = [], 0, 0
    for session_id in ids:
        found, e, m = latencies(report.of(f'/sessions/{session_id}'), emitted[session_id])
        values += found
        expected += e
        measured += m
    p99 = percentile(values, 0.99)
    client_cpu = report.cpu_seconds / max(1e-9, report.seconds) / max(1, -(-viewers // 150))
    return {'p99': ms(p99), 'cpu': cpu / max(1e-9, viewers * minutes), 'bytes': report.bytes / max(1, expected),
            'rss': max(rss), 'received': 100 * measured / max(1, expected), 'errors': len(report.errors),
            'in_place': ready <= started + wait, 'client_busy': client_cpu > 0.9, 'sim_busy': sim_busy,
            'ok': p99 is not None and p99 <= 1.0 and not report.errors and measured >= 0.99 * expected}


def _done(ctx: Context, session_id: str) -> bool:
    with sim(ctx.simulator) as client:
        turns = client.get(f'/sessions/{session_id}/turns').json()['data']
    return bool(turns) and turns[-1]['status'] in {'completed', 'failed'}


def run(ctx: Context) -> list[Row]:
    seconds = ctx.options.get('rung_seconds', 3 if ctx.quick else 20)
    rows = []
    for curve, (sessions_for, ladder) in CURVES.items():
        best, last = 0, None
        for viewers in (QUICK[curve] if ctx.quick else ladder):
            sessions = sessions_for(viewers)
            settle(ctx.dashboard, timeout=90)
            got = _rung(ctx, sessions, viewers, seconds)
            group = f'{curve}: {sessions} × {RATE} events/s, {viewers} viewers'
            note = ('' if got['in_place'] else 'not every viewer was in place before the output; ') + \
                   ('the load generator was near its CPU limit; ' if got['client_busy'] else '') + \
                   ('the simulator was near its CPU limit; ' if got['sim_busy'] else '') + \
                   (f'{got["errors"]} viewer errors' if got['errors'] else '')
            for metric, key in (('p99 (ms)', 'p99'), ('dashboard CPU s per viewer-minute', 'cpu'),
                                ('websocket bytes per event per viewer', 'bytes'), ('dashboard RSS (MB)', 'rss'),
                                ('ticks received (%)', 'received')):
                rows.append(Row(group, metric, got[key], None, clients='light', note=note.rstrip('; ')))
            last = got
            if not got['ok']:
                break
            best = viewers
        rows.append(Row(f'ceiling, {curve}', 'viewers with p99 ≤ 1 s and every tick received', best, None,
                        clients='light', higher_is_better=True,
                        note='' if last is None or not last['ok'] else 'the ladder ended without a failure'))
        rows.append(Row(f'ceiling, {curve}', 'sessions at that point', sessions_for(best) if best else 0, None,
                        clients='light', higher_is_better=True))
        rows.append(Row(f'ceiling, {curve}', 'events/s delivered to viewers at that point', best * RATE, None,
                        clients='light', higher_is_better=True))
    return rows


register(Scenario(
    'scaling', 'Scaling curve and the single-process ceiling', run,
    higher_is_better=frozenset({'viewers with p99 ≤ 1 s and every tick received', 'sessions at that point',
                                'events/s delivered to viewers at that point'}),
    explain=(
        'Our dashboard alone, at AoD\'s pace: stream-json sessions writing 50 events/s, watched by light viewers '
        '(NiceGUI websocket clients, at most 150 per load-generator process) that are in place before the output '
        'starts. Each curve climbs until p99 passes 1 s, a viewer fails, or more than 1 % of the ticks do not '
        'arrive. CPU is the dashboard process\'s user + system time over the rung, per viewer-minute; websocket '
        'bytes are the socket.io payloads (JSON) a viewer received per tick it should have received; RSS is the '
        'highest during the rung. The ceiling rows are the last rung that passed.')))
