"""The archive at AoD's real pace (the simulator sends at most 100 rows per read and sleeps 0.5 s between reads, as
AoD does), side by side with the plain proxy, which replays the session from AoD on every open.

- a finished stream-json session of `lines` rows that the dashboard never saw: its first open (time to the first
  screen, to the whole session, and whether the page said it was reading), a later open, and an open after the
  dashboard restarted (target ≤ 1 s); the proxy's first and second open are read beside our first (each its own
  stream at AoD's pace: the pace, not this machine, sets how long they take);
- the dashboard's memory and CPU while it backfills `sessions` finished sessions it has not archived;
- live latency while that backfill runs, against the same measure without it (target: p99 within 10 %).
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from ..harness import ROOT, TOKEN, Process, _start, free_port, launch, sim, wait_finished
from ..measure import ms, percentile
from ..registry import Context, Row, Scenario, Target, register
from .latency import _one as latency_of

__all__ = ['backfill', 'first_and_later_open']

END = 'Agent exited with code'
READING = 'Reading this session from AoD'


@contextlib.contextmanager
def dashboard(simulator: Process, data: Path, **env: str) -> Iterator[Process]:
    """A dashboard of its own on `data` (kept between two of them: that is the restart)."""
    port = free_port()
    process = _start(f'dashboard-{port}', [str(ROOT / 'main.py')], f'http://127.0.0.1:{port}', '/healthz', env={
        'AOD_API_URL': simulator.url, 'AOD_API_TOKEN': TOKEN, 'AOD_UI_PORT': str(port), 'AOD_UI_AUTH': 'none',
        'AOD_UI_STORAGE_SECRET': 'benchmark-storage-secret-0123456789abcdef', 'AOD_UI_SECURE_COOKIES': 'false',
        'AOD_UI_DATA_DIR': str(data), 'AOD_UI_LOG_LEVEL': 'warning', **env}, cwd=data)
    try:
        yield process
    finally:
        process.popen.terminate()
        try:
            process.popen.wait(10)
        except Exception:
            process.popen.kill()


def claude_agent(simulator: Process) -> str:
    with sim(simulator) as client:
        agents = client.get('/agents').json()['data']
    return next(a['id'] for a in agents if a['name'] == 'code-review')


def _open(browser, opens: list[tuple[str, str]], timeout: float) -> list[tuple[float, float, bool]]:
    """Open each (url, text it ends with) in a page of its own, one after the other without waiting for the earlier
    ones to finish, then watch them all: for each, (seconds to the first screen, seconds to its text, whether the
    page said it was reading from AoD), counted from its own start. Opens at AoD's pace wait on AoD, not on this
    machine, so reads side by side take as long as each alone and a 100,000-row comparison fits in one wait."""
    watched = []
    for url, done in opens:
        context = browser.new_context()
        page = context.new_page()
        started = time.monotonic()
        page.goto(url)
        page.wait_for_load_state('domcontentloaded')
        watched.append({'context': context, 'page': page, 'done': done, 'started': started,
                        'first': time.monotonic() - started, 'complete': None, 'said': False})
    deadline = time.monotonic() + timeout
    while any(w['complete'] is None for w in watched):
        if time.monotonic() > deadline:
            late = [url for (url, _), w in zip(opens, watched, strict=True) if w['complete'] is None]
            raise TimeoutError(f'{", ".join(late)} did not finish within {timeout:.0f} s')
        for w in watched:
            if w['complete'] is not None:
                continue
            if w['page'].get_by_text(w['done']).count():
                w['complete'] = time.monotonic() - w['started']
                w['context'].close()
            else:
                w['said'] = w['said'] or bool(w['page'].get_by_text(READING).count())
        time.sleep(0.1)
    return [(w['first'], w['complete'], w['said']) for w in watched]


def first_and_later_open(browser, simulator: Process, baseline: Process, lines: int) -> list[Row]:
    session_id = launch(simulator, f'scenario: chatty\nevents: {lines}\nrate: 20000', agent=claude_agent(simulator))
    wait_finished(simulator, session_id, timeout=60 + lines / 1000)
    timeout = 60 + lines / 150  # AoD's pace is about 200 rows a second
    data = Path(tempfile.mkdtemp(prefix='bench-archive-'))
    url = f'/sessions/{session_id}'
    # no backfill: the person's open is the session's first read (a backfill would have read it before); the
    # proxy's two opens (it replays the session from AoD each time) run beside it, each its own stream
    with dashboard(simulator, data, AOD_UI_BACKFILL_STREAMS='0') as ours:
        (first, complete, said), (their_first, their_complete, _), (_, their_later, _) = _open(
            browser, [(ours.url + url, END), (baseline.url + url, '[session ended]'),
                      (baseline.url + url, '[session ended]')], timeout)
        [(_, later, _)] = _open(browser, [(ours.url + url, END)], timeout)
    with dashboard(simulator, data, AOD_UI_BACKFILL_STREAMS='0') as ours:
        [(_, restarted, _)] = _open(browser, [(ours.url + url, END)], timeout)
    scenario = f'finished stream-json session, {lines:,} rows, at AoD\'s pace'
    return [
        Row(scenario, 'first open: time to first screen (s)', first, their_first, '—', 'chromium'),
        Row(scenario, 'first open: time to the whole session (s)', complete, their_complete, 'about rows / 200',
            'chromium', note='the page said it was reading from AoD, with progress' if said else
            'NO progress line was seen'),
        Row(scenario, 'later open (s)', later, their_later, '≤ 1 s', 'chromium', met=later <= 1.0,
            note='baseline: its second open, beside its first'),
        Row(scenario, 'open after a restart (s)', restarted, their_later, '≤ 1 s', 'chromium', met=restarted <= 1.0,
            note='baseline: it has no archive; every open replays the session from AoD'),
    ]


def _p99(ctx: Context, ours: Process, viewers: int, rate: int, seconds: float) -> float | None:
    """Live latency p99 (ms) of one stream-json session on `ours`, every viewer in place before its output."""
    got = latency_of(dataclasses.replace(ctx, dashboard=ours), 'ours', 'stream-json', False, 1, viewers, 1, rate,
                     seconds)
    return ms(percentile(got['chromium'] + got['light'], 0.99))


def _archived(process: Process) -> int:
    return int(httpx.get(f'{process.url}/healthz', timeout=10).json()['archive'].get('complete', 0))


def backfill(ctx: Context, sessions: int, *, viewers: int, rate: int, seconds: float) -> list[Row]:
    """Memory and CPU while the dashboard backfills `sessions` finished sessions, and live latency meanwhile."""
    simulator, baseline = ctx.simulator, ctx.baseline
    data = Path(tempfile.mkdtemp(prefix='bench-backfill-'))
    with dashboard(simulator, data) as ours:
        quiet_p99 = _p99(ctx, ours, viewers, rate, seconds)
        already = _archived(ours)
        now = time.time()
        seeds = [{'token': TOKEN, 'status': 'completed', 'prompt': f'backfill {n}', 'turns': 2,
                  'created_at': now - 3600 - n * 60} for n in range(sessions)]
        with httpx.Client(timeout=120) as client:
            client.post(f'{simulator.url}/_sim/sessions', json=seeds).raise_for_status()
        rss, cpu, started = [ours.rss_mb], ours.cpu_seconds, time.monotonic()
        base_rss, base_cpu = baseline.rss_mb, baseline.cpu_seconds
        while _archived(ours) == already and time.monotonic() - started < 60:  # the follower's next scan
            time.sleep(0.2)
        busy_p99 = _p99(ctx, ours, viewers, rate, seconds)
        deadline = time.monotonic() + 120 + sessions
        while _archived(ours) < already + sessions and time.monotonic() < deadline:
            rss.append(ours.rss_mb)
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        archived = _archived(ours) - already
        cpu_share = (ours.cpu_seconds - cpu) / elapsed
        base_share = (baseline.cpu_seconds - base_cpu) / elapsed
    scenario = f'backfill of {sessions} finished sessions'
    return [
        Row(scenario, 'dashboard memory, highest (MB)', max(rss), base_rss, '—', 'http',
            note=f'{archived} sessions archived in {elapsed:.0f} s (the {sessions} seeded, and the live ones); '
                 'baseline: it keeps nothing'),
        Row(scenario, 'dashboard CPU (share of one core)', cpu_share, base_share, '—', 'http'),
        Row(scenario, 'live latency p99 during the backfill (ms)', busy_p99, quiet_p99, 'within 10 % of without',
            'chromium + light', met=None if busy_p99 is None or quiet_p99 is None else busy_p99 <= 1.1 * quiet_p99,
            note='baseline column: the same dashboard without a backfill'),
    ]


def run(ctx: Context) -> list[Row]:
    rows = first_and_later_open(ctx.browser, ctx.simulator, ctx.baseline, 2000 if ctx.quick else 100_000)
    rows += backfill(ctx, 20 if ctx.quick else 200, viewers=2 if ctx.quick else 10, rate=20 if ctx.quick else 50,
                     seconds=3 if ctx.quick else 8)
    return rows


def _at_most(limit: float):
    return lambda ours, _theirs: ours is not None and ours <= limit


register(Scenario(
    'archive', 'The archive at AoD\'s pace', run,
    targets={'later open (s)': Target('≤ 1 s', _at_most(1.0)),
             'open after a restart (s)': Target('≤ 1 s', _at_most(1.0)),
             'live latency p99 during the backfill (ms)': Target(
                 'within 10 % of without (the baseline column)',
                 lambda ours, quiet: ours is not None and quiet is not None and ours <= 1.1 * quiet)},
    explain=__doc__ or ''))
