"""Memory per idle viewer, a huge finished session, and the sessions list."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx

from ..harness import CODEX, TOKEN, launch, terminate, wait_finished
from ..registry import Context, Row, Scenario, Target, register
from ._common import SIDES, viewer_page


def idle_memory(ctx: Context) -> list[Row]:
    """Server memory per connected viewer of a running session that is quiet (the simulator's `stall`: it wrote its
    first line and keeps its stream open), on processes of their own: memory freed by earlier scenarios would be
    reused by the new viewers' pages and hide what they cost."""
    viewers = ctx.options.get('viewers', 2 if ctx.quick else 20)
    session_id = launch(ctx.simulator, 'scenario: stall')
    time.sleep(1.0)
    results = {}
    for side in SIDES:
        server = ctx.dashboard if side == 'ours' else ctx.baseline
        warm = viewer_page(ctx.browser)
        warm.goto(f'{server.url}/sessions/{session_id}')
        time.sleep(1.0)
        before = server.rss_mb
        pages = []
        for _ in range(viewers):
            page = viewer_page(ctx.browser)
            page.goto(f'{server.url}/sessions/{session_id}')
            pages.append(page)
        time.sleep(2.0)
        results[side] = (server.rss_mb - before) / viewers
        for page in (warm, *pages):
            page.context.close()
    terminate(ctx.simulator, [session_id])
    return [Row(f'{viewers} idle viewers of a running session', 'server memory per viewer (MB)', results['ours'],
                results['baseline'], clients='chromium')]


def huge_session(ctx: Context) -> list[Row]:
    """A finished session with many output lines: time until the page shows its end, and DOM nodes."""
    lines = ctx.options.get('lines', 2000 if ctx.quick else 100_000)
    session_id = launch(ctx.simulator, f'scenario: huge\nlines: {lines}')
    wait_finished(ctx.simulator, session_id, timeout=300)
    measured = {}
    warm = ctx.browser.new_context().new_page()  # the browser's first page pays its own start-up: not either server's
    for url in (f'{ctx.dashboard.url}/', f'{ctx.baseline.url}/sessions'):
        warm.goto(url)
    warm.context.close()
    for side, server, done in (('ours', ctx.dashboard, 'Agent exited with code'),
                               ('baseline', ctx.baseline, '[session ended]')):
        context = ctx.browser.new_context()
        page = context.new_page()
        started = time.monotonic()
        page.goto(f'{server.url}/sessions/{session_id}')
        page.get_by_text(done).first.wait_for(timeout=300_000)
        elapsed = time.monotonic() - started
        nodes = page.evaluate('document.getElementsByTagName("*").length')
        text_nodes = page.evaluate('''(() => { let n = 0; const w = document.createTreeWalker(document.body,
            NodeFilter.SHOW_TEXT); while (w.nextNode()) n++; return n; })()''')
        measured[side] = (elapsed, nodes + text_nodes)
        context.close()
    group = f'finished session, {lines:,} lines'
    return [Row(group, 'time to interactive (s)', measured['ours'][0], measured['baseline'][0], clients='chromium'),
            Row(group, 'DOM nodes (elements + text)', measured['ours'][1], measured['baseline'][1],
                clients='chromium')]


def session_list(ctx: Context) -> list[Row]:
    """Server time to the first render of the sessions list, each sample past the dashboard's 2 s list cache."""
    count = ctx.options.get('count', 50 if ctx.quick else 5000)
    if ctx.repeat == 0:  # the sessions stay for the later repeats
        now = datetime.now(UTC)
        seeds = [{'agent_id': CODEX, 'status': 'completed', 'created_at': (now - timedelta(minutes=i)).isoformat(),
                  'prompt': f'seeded {i}', 'token': TOKEN} for i in range(count)]
        with httpx.Client(timeout=120) as client:
            for start in range(0, count, 1000):
                client.post(f'{ctx.simulator.url}/_sim/sessions', json=seeds[start:start + 1000]).raise_for_status()
    timings = {}
    with httpx.Client(timeout=120) as client:
        for side, url in (('ours', f'{ctx.dashboard.url}/'), ('baseline', f'{ctx.baseline.url}/sessions')):
            client.get(url)  # warm up
            time.sleep(2.1)  # past the dashboard's 2 s list cache: the sample asks AoD afresh
            started = time.perf_counter()
            client.get(url).raise_for_status()
            timings[side] = time.perf_counter() - started
    return [Row(f'list of {count:,} sessions', 'server time to first render (s)', timings['ours'],
                timings['baseline'], clients='http',
                note='baseline: its JSON proxy of GET /sessions (it has no list page)')]


register(Scenario('idle', 'Memory per idle viewer', idle_memory, stack='fresh',
                  targets={'server memory per viewer (MB)': Target('≤ 1 MB', lambda o, _: o is not None and o <= 1)},
                  explain=idle_memory.__doc__ or ''))
register(Scenario('huge', 'A huge finished session', huge_session,
                  targets={'time to interactive (s)': Target('≤ 2 s', lambda o, _: o is not None and o <= 2),
                           'DOM nodes (elements + text)': Target('≤ 5,000', lambda o, _: o is not None and o <= 5000)},
                  explain=huge_session.__doc__ or ''))
register(Scenario('list', 'The sessions list', session_list,
                  targets={'server time to first render (s)': Target('≤ 1 s', lambda o, _: o is not None and o <= 1)},
                  explain=session_list.__doc__ or ''))
