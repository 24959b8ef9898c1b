"""The benchmark scenarios. Each returns result rows: scenario, metric, ours, baseline, target, and which clients
made the load (`chromium` pages, `light` clients where a browser per viewer is too heavy, or `http` page loads)."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import httpx

from .harness import OBSERVER, Process, emission_times, launch, percentile, sim, stats, wait_finished

T = TypeVar('T')


@dataclass
class Row:
    scenario: str
    metric: str
    ours: float | None
    baseline: float | None
    target: str
    clients: str
    met: bool | None = None
    note: str = ''
    higher_is_better: bool = False

    @property
    def ratio(self) -> float | None:
        """How many times better ours is than the baseline (above 1: ours is better)."""
        if self.ours is None or self.baseline is None or not self.ours or not self.baseline:
            return None
        return self.ours / self.baseline if self.higher_is_better else self.baseline / self.ours


def _in_thread(make: Callable[[], Coroutine[Any, Any, T]], timeout: float) -> T:
    """Run a coroutine to its end in a thread of its own: Playwright's sync API keeps an event loop running in this
    one."""
    import asyncio
    import threading
    box: dict[str, T] = {}
    thread = threading.Thread(target=lambda: box.update(result=asyncio.run(make())), daemon=True)
    thread.start()
    thread.join(timeout)
    if 'result' not in box:
        raise TimeoutError(f'light clients did not finish within {timeout:.0f} s')
    return box['result']


def upstream_connections(simulator: Process, dashboard: Process, baseline: Process, counts: list[int]) -> list[Row]:
    """Viewers of one live session, and how many stream connections that costs AoD."""
    from .light import run_viewers
    rows = []
    for viewers in counts:
        session_id = launch(simulator, 'scenario: long')
        time.sleep(0.5)
        before = stats(simulator)['streams_opened']
        # light viewers load the page (which joins them to the session's hub), stay a second, and leave
        paths = [f'/sessions/{session_id}'] * viewers
        report = _in_thread(partial(run_viewers, dashboard.url, paths, 1.0), 60)
        if report.errors or report.connected != viewers:
            raise RuntimeError(f'light viewers failed: {report}')
        ours = stats(simulator)['streams_opened'] - before
        before = stats(simulator)['streams_opened']
        streams = []
        with httpx.Client(timeout=30) as client:
            for _ in range(viewers):  # an EventSource per tab
                request = client.build_request('GET', f'{baseline.url}/stream/{session_id}')
                streams.append(client.send(request, stream=True))
            time.sleep(1.0)
            theirs = stats(simulator)['streams_opened'] - before
            for response in streams:
                response.close()
        with sim(simulator) as client:
            client.post(f'/sessions/{session_id}/terminate')
        rows.append(Row(f'1 session, {viewers} viewers', 'upstream stream connections', ours, theirs,
                        'exactly 1 for ours', 'light', met=ours == 1))
    return rows


def _observe(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state('domcontentloaded')
    page.evaluate(OBSERVER)


def _latencies(pages, emitted: dict[int, float]) -> tuple[list[float], float]:
    values, backlog = [], 0.0
    for page in pages:
        seen = page.evaluate('window.__seen')
        start = page.evaluate('window.__observerStart')
        for tick, at in seen.items():
            sent = emitted.get(int(tick))
            if sent is not None and sent >= start:
                values.append(at - sent)
        if emitted:
            last = max(emitted)
            backlog = max(backlog, 0.0 if str(last) in seen else float('inf'))
    return values, backlog


def latency(browser, simulator: Process, dashboard: Process, baseline: Process, *, sessions: int, viewers: int,
            rate: int, seconds: float) -> list[Row]:
    """End-to-end latency from the simulator's emission to the text in a page's DOM, on one clock.

    Each session has `viewers` viewers: one real Chromium page that measures, and light clients for the rest
    (NiceGUI's websocket for ours, an SSE reader for the baseline), which cost each server what a browser would
    without the one machine's browser drowning the measurement. The sessions begin to write only once every viewer
    is in place (`wait:`), so this measures the live path, not pages loading next to it."""
    import asyncio
    import threading

    from .light import run_sse_viewers, run_viewers
    results, ready = {}, {}
    wait = 6 + 2 * sessions
    for name, server, path, light, light_path in (
            ('ours', dashboard, '/sessions/{}', run_viewers, '/sessions/{}'),
            ('baseline', baseline, '/sessions/{}', run_sse_viewers, '/stream/{}')):
        ids = [launch(simulator, f'scenario: chatty\nrate: {rate}\nevents: {int(rate * seconds)}\nwait: {wait}')
               for _ in range(sessions)]
        started = time.monotonic()
        paths = [light_path.format(session_id) for session_id in ids for _ in range(viewers - 1)]
        box: dict = {}
        thread = threading.Thread(target=lambda light=light, server=server, paths=paths, box=box: box.update(
            report=asyncio.run(light(server.url, paths, wait + seconds + 3))), daemon=True)
        thread.start()
        context = browser.new_context()
        pages = []
        for session_id in ids:
            page = context.new_page()
            _observe(page, server.url + path.format(session_id))
            pages.append(page)
        ready[name] = time.monotonic() - started
        for session_id in ids:
            wait_finished(simulator, session_id, timeout=60 + wait)
        time.sleep(1.5)
        values: list[float] = []
        for page, session_id in zip(pages, ids, strict=True):
            found, _ = _latencies([page], emission_times(simulator, session_id))
            values += found
        context.close()
        thread.join(wait + seconds + 60)
        report = box.get('report')
        if report is None or report.errors or report.connected != len(paths):
            raise RuntimeError(f'{name}: light viewers failed: {report}')
        results[name] = values
    rows = []
    for label, fraction, target in (('p50', 0.5, 0.050), ('p99', 0.99, 0.200)):
        ours, theirs = percentile(results['ours'], fraction), percentile(results['baseline'], fraction)
        rows.append(Row(f'{sessions} sessions × {viewers} viewers, {rate} events/s', f'latency {label} (ms)',
                        None if ours is None else ours * 1000, None if theirs is None else theirs * 1000,
                        f'≤ {target * 1000:.0f} ms', 'chromium + light', met=ours is not None and ours <= target,
                        note=f'{len(results["ours"])} / {len(results["baseline"])} samples in {sessions} Chromium '
                             f'pages, with {viewers - 1} light viewers per session (websocket for ours, SSE for the '
                             f'baseline); everyone in place after {ready["ours"]:.1f} s / {ready["baseline"]:.1f} s, '
                             f'output from {wait} s'))
    return rows


def throughput(browser, simulator: Process, dashboard: Process, baseline: Process, *, viewers: int,
               rates: list[int], seconds: float) -> list[Row]:
    """The highest event rate each side carries to every viewer with p99 ≤ 1 s and no growing backlog."""
    best: dict[str, float] = {'ours': 0, 'baseline': 0}
    notes = []
    for name, server in (('ours', dashboard), ('baseline', baseline)):
        for rate in rates:
            session_id = launch(simulator, f'scenario: chatty\nrate: {rate}\nevents: {int(rate * seconds)}')
            context = browser.new_context()
            pages = []
            for _ in range(viewers):
                page = context.new_page()
                _observe(page, f'{server.url}/sessions/{session_id}')
                pages.append(page)
            wait_finished(simulator, session_id)
            time.sleep(1.0)
            emitted = emission_times(simulator, session_id)
            values, backlog = _latencies(pages, emitted)
            context.close()
            p99 = percentile(values, 0.99)
            notes.append(f'{name}@{rate}: p99 {p99 if p99 is None else round(p99 * 1000)} ms')
            if p99 is None or p99 > 1.0 or backlog > 0:
                break
            best[name] = rate
    return [Row(f'1 session × {viewers} viewers, rising rate', 'highest events/s with p99 ≤ 1 s', best['ours'],
                best['baseline'], '≥ 2,000 and above the baseline', 'chromium',
                met=best['ours'] >= 2000 and best['ours'] > best['baseline'], note='; '.join(notes),
                higher_is_better=True)]


def idle_memory(browser, dashboard: Process, baseline: Process, simulator: Process, viewers: int) -> list[Row]:
    """Server memory per connected idle viewer."""
    session_id = launch(simulator, 'scenario: success')
    wait_finished(simulator, session_id)
    results = {}
    for name, server in (('ours', dashboard), ('baseline', baseline)):
        context = browser.new_context()
        warm = context.new_page()
        warm.goto(f'{server.url}/sessions/{session_id}')
        time.sleep(1.0)
        before = server.rss_mb
        pages = []
        for _ in range(viewers):
            page = context.new_page()
            page.goto(f'{server.url}/sessions/{session_id}')
            pages.append(page)
        time.sleep(2.0)
        results[name] = (server.rss_mb - before) / viewers
        context.close()
    return [Row(f'{viewers} idle viewers', 'server memory per viewer (MB)', results['ours'], results['baseline'],
                '≤ 1 MB', 'chromium', met=results['ours'] <= 1.0)]


def huge_session(browser, simulator: Process, dashboard: Process, baseline: Process, lines: int) -> list[Row]:
    """A finished session with many output lines: time until the page shows its end, and DOM nodes."""
    session_id = launch(simulator, f'scenario: huge\nlines: {lines}')
    wait_finished(simulator, session_id, timeout=300)
    rows = []
    measured = {}
    warm = browser.new_context().new_page()  # the browser's first page pays its own start-up: not either server's
    for url in (f'{dashboard.url}/', f'{baseline.url}/sessions'):
        warm.goto(url)
    warm.context.close()
    for name, server, done in (('ours', dashboard, 'Agent exited with code'), ('baseline', baseline,
                                                                                '[session ended]')):
        context = browser.new_context()
        page = context.new_page()
        started = time.monotonic()
        page.goto(f'{server.url}/sessions/{session_id}')
        page.get_by_text(done).first.wait_for(timeout=120_000)
        elapsed = time.monotonic() - started
        nodes = page.evaluate('document.getElementsByTagName("*").length')
        text_nodes = page.evaluate('''(() => { let n = 0; const w = document.createTreeWalker(document.body,
            NodeFilter.SHOW_TEXT); while (w.nextNode()) n++; return n; })()''')
        measured[name] = (elapsed, nodes + text_nodes)
        context.close()
    rows.append(Row(f'finished session, {lines:,} lines', 'time to interactive (s)', measured['ours'][0],
                    measured['baseline'][0], '≤ 2 s', 'chromium', met=measured['ours'][0] <= 2.0))
    rows.append(Row(f'finished session, {lines:,} lines', 'DOM nodes (elements + text)', measured['ours'][1],
                    measured['baseline'][1], '≤ 5,000 transcript nodes', 'chromium',
                    met=measured['ours'][1] <= 5000))
    return rows


def session_list(simulator: Process, dashboard: Process, baseline: Process, count: int) -> list[Row]:
    """Server time to the first render of the sessions list with `count` sessions."""
    now = datetime.now(UTC)
    seeds = [{'agent_id': '4da27759-2d82-5f2c-94ba-fdfac39fe770', 'status': 'completed',
              'created_at': (now - timedelta(minutes=i)).isoformat(), 'prompt': f'seeded {i}', 'token': None}
             for i in range(count)]
    from .harness import TOKEN
    for seed in seeds:
        seed['token'] = TOKEN
    with httpx.Client(timeout=120) as client:
        for start in range(0, count, 1000):
            client.post(f'{simulator.url}/_sim/sessions', json=seeds[start:start + 1000]).raise_for_status()
        timings = {}
        for name, url in (('ours', f'{dashboard.url}/'), ('baseline', f'{baseline.url}/sessions')):
            client.get(url)  # warm up
            samples = []
            for _ in range(5):
                time.sleep(2.1)  # past the dashboard's 2 s list cache: every sample asks AoD afresh
                started = time.perf_counter()
                client.get(url).raise_for_status()
                samples.append(time.perf_counter() - started)
            timings[name] = sorted(samples)[len(samples) // 2]
    return [Row(f'list of {count:,} sessions', 'server time to first render (s, median of 5)', timings['ours'],
                timings['baseline'], '≤ 1 s', 'http', met=timings['ours'] <= 1.0,
                note='baseline: its JSON proxy of GET /sessions (it has no list page)')]


def websocket_load(simulator: Process, dashboard: Process, clients: int, seconds: float) -> list[Row]:
    """A bounded load test: `clients` concurrent websocket viewers of live sessions for `seconds` (loopback only)."""
    from .light import run_viewers
    ids = [launch(simulator, 'scenario: long') for _ in range(max(1, clients // 10))]
    paths = [f'/sessions/{ids[i % len(ids)]}' for i in range(clients)]
    report = _in_thread(partial(run_viewers, dashboard.url, paths, seconds), seconds + 120)
    with sim(simulator) as client:
        for session_id in ids:
            client.post(f'/sessions/{session_id}/terminate')
    healthy = httpx.get(f'{dashboard.url}/healthz', timeout=10).status_code == 200
    return [Row(f'{clients} websocket viewers for {seconds:.0f} s', 'viewer errors', len(report.errors), None,
                'no errors, no crash', 'websocket (socket.io)', met=not report.errors and healthy,
                note=f'{report.connected} connected, {report.messages} updates received, dashboard '
                     f'{"healthy" if healthy else "NOT healthy"} after; ' + '; '.join(report.errors[:3]))]


def soak(browser, simulator: Process, dashboard: Process, *, sessions: int, viewers: int, minutes: float
         ) -> list[Row]:
    """Many live sessions watched for a long time: dashboard memory and a browser page's JS heap over time, and
    nothing left behind once the viewers leave."""
    import asyncio
    import threading

    from .light import run_viewers
    ids = [launch(simulator, 'scenario: long') for _ in range(sessions)]
    seconds = minutes * 60
    paths = [f'/sessions/{session_id}' for session_id in ids for _ in range(viewers - 1)]
    thread = threading.Thread(target=lambda: asyncio.run(run_viewers(dashboard.url, paths, seconds)), daemon=True)
    thread.start()
    page = browser.new_context().new_page()
    page.goto(f'{dashboard.url}/sessions/{ids[0]}')
    rss, heap = [], []
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        time.sleep(min(10, seconds / 12))
        rss.append(dashboard.rss_mb)
        # what the page keeps, after a full collection: a sample of the garbage-collection sawtooth says little
        heap.append(page.evaluate('(window.gc && gc(), performance.memory ? performance.memory.usedJSHeapSize / 1048576'
                                  ' : 0)'))
    page.context.close()
    thread.join(seconds + 60)
    with sim(simulator) as client:
        for session_id in ids:
            client.post(f'/sessions/{session_id}/terminate')
    time.sleep(50)  # a closed page's client goes after NiceGUI's 10 s reconnect window, its hub 30 s after that
    health = httpx.get(f'{dashboard.url}/healthz', timeout=10).json()

    def growth(values: list[float]) -> float | None:
        """Median of the last third against the median of the second third (after warm-up): robust to the
        sawtooth of garbage collection."""
        third = len(values) // 3
        if third < 1:
            return None
        middle, last = sorted(values[third:2 * third]), sorted(values[2 * third:])
        before, after = middle[len(middle) // 2], last[len(last) // 2]
        return None if not before else (after - before) / before * 100
    rss_growth, heap_growth = growth(rss), growth(heap)
    left = health['live_streams'] + health['viewers']
    return [Row(f'{sessions} sessions × {viewers} viewers for {minutes:g} min', 'dashboard RSS growth after '
                'warm-up (%)', rss_growth, None, '< 10 %', 'websocket + chromium',
                met=rss_growth is not None and rss_growth < 10, note=f'RSS MB over time: {[round(v) for v in rss]}'),
            Row(f'{sessions} sessions × {viewers} viewers for {minutes:g} min', 'browser JS heap growth (%)',
                heap_growth, None, '< 10 %', 'chromium', met=heap_growth is not None and heap_growth < 10,
                note=f'heap MB: {[round(v, 1) for v in heap]}'),
            Row('after the viewers left', 'live streams + viewers still held', left, None, '0', 'http', met=left == 0)]
