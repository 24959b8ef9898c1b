"""API followers and page viewers on one session: `followers` clients of `GET /api/v1/sessions/{id}/events` and
`viewers` page viewers (one real Chromium page that measures, light websocket clients for the rest) all follow one
live session. The simulator counts the upstream streams that costs (one is the target: the hub's), and latency is
measured on one clock from the simulator's emission stamp: for each API follower, to the event's arrival in the
client; for the page, to the text in its DOM (as the latency scenario measures), reported in the baseline column
of the API's latency rows (see `JUDGES`).

Self-contained: `run(browser, simulator, dashboard, ...)` needs only the running processes and a Playwright
browser, and returns rows as plain dicts with the fields of the benchmark's `Row` (`Row(**row)` for each). It makes
its own token through the Tokens page, as a person would. To register it in a scenario registry:

    register(Scenario('api', 'API followers beside page viewers', lambda ctx: [Row(**r) for r in run(
        ctx.browser, ctx.simulator, ctx.dashboard, **(SMOKE if ctx.quick else FULL))],
        targets={metric: Target(text, judge) for metric, (text, judge) in JUDGES.items()}))
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .harness import launch, stats, wait_finished
from .light import LightRun
from .measure import OBSERVER, emission_times, percentile

__all__ = ['FULL', 'JUDGES', 'SMOKE', 'make_token', 'run']

FULL = {'followers': 100, 'viewers': 50, 'rate': 20, 'seconds': 8}
SMOKE = {'followers': 10, 'viewers': 3, 'rate': 20, 'seconds': 2}
MARGIN_MS = 10.0
JUDGES: dict[str, tuple[str, Callable[[float | None, float | None], bool]]] = {
    'upstream stream connections': ('exactly 1', lambda ours, _: ours == 1),
    'API follower errors': ('0', lambda ours, _: ours == 0),
    'API follower latency p50 (ms)': ("≤ the page's p50 + 10 ms",
                                      lambda ours, page: ours is not None and page is not None
                                      and ours <= page + MARGIN_MS),
    'API follower latency p99 (ms)': ("≤ the page's p99 + 10 ms",
                                      lambda ours, page: ours is not None and page is not None
                                      and ours <= page + MARGIN_MS),
}
"""metric → (target, judge of ours and the baseline column). API followers are held to the page viewers' latency,
measured beside them in the same run and put in the baseline column: with the simulator paced like AoD (a read
every 0.5 s) every client waits for AoD's batches alike, so fixed figures would measure the pace, not the
dashboard (the latency scenario judges the pages themselves)."""


@dataclass
class Followed:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    finished: int = 0
    ready: int = 0


def make_token(browser: Any, dashboard_url: str, name: str = 'benchmark') -> str:
    """Make a read token through the Tokens page (the dashboard runs without sign-in in the benchmark)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f'{dashboard_url}/tokens')
        page.locator('input').first.fill(name)
        page.get_by_text('Create token').click()
        secret = page.locator('input[readonly][value^="aodui_pat_"]')
        secret.wait_for(timeout=15_000)
        return secret.input_value()
    finally:
        context.close()


async def _follow(url: str, token: str, session_id: str, result: Followed) -> None:
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30, read=None),
                                     headers={'Authorization': f'Bearer {token}'}) as client, \
                client.stream('GET', f'{url}/api/v1/sessions/{session_id}/events') as response:
            response.raise_for_status()
            result.ready += 1
            joined = time.time()
            async for line in response.aiter_lines():
                if not line.startswith('data: '):
                    continue
                arrived = time.time()
                event = json.loads(line[6:])
                # only what was emitted after this follower was in place: the replay of earlier events measures
                # how late it joined, not the live path (the page's samples are chosen the same way)
                if event.get('type') == 'output' and event.get('emitted_at', 0) >= joined:
                    result.latencies.append(arrived - event['emitted_at'])
                elif event.get('type') == 'dashboard':
                    result.errors.append(f'{event.get("code")}: {event.get("message")}')
            result.finished += 1
    except Exception as error:  # every failure of a follower is a finding, reported with its kind
        result.errors.append(f'{type(error).__name__}: {error}'[:200])


async def _follow_all(url: str, token: str, session_id: str, count: int, result: Followed) -> None:
    await asyncio.gather(*(_follow(url, token, session_id, result) for _ in range(count)))


def _followers(url: str, token: str, session_id: str, count: int) -> Followed:
    """All the followers, run in a process of their own (so the browser's driver and the light viewers in this one
    do not delay their reading); returns what they measured."""
    result = Followed()
    asyncio.run(_follow_all(url, token, session_id, count, result))
    return result


def run(browser: Any, simulator: Any, dashboard: Any, *, followers: int, viewers: int, rate: int,
        seconds: float) -> list[dict[str, Any]]:
    """Measure once; see the module docstring."""
    token = make_token(browser, dashboard.url)
    wait = 6 + followers // 25
    session_id = launch(simulator, f'scenario: chatty\nrate: {rate}\nevents: {int(rate * seconds)}\nwait: {wait}')
    before = stats(simulator)['streams_opened']
    pool = multiprocessing.get_context('spawn').Pool(1)
    followers_done = pool.apply_async(_followers, (dashboard.url, token, session_id, followers))
    light = [f'/sessions/{session_id}'] * max(0, viewers - 1)
    light_run = LightRun('ws', dashboard.url, light, wait + seconds + 120) if light else None
    context = browser.new_context()
    page = context.new_page()
    page.goto(f'{dashboard.url}/sessions/{session_id}')
    page.wait_for_load_state('domcontentloaded')
    page.evaluate(OBSERVER)
    wait_finished(simulator, session_id, timeout=60 + wait)
    followed: Followed = followers_done.get(60)
    pool.close()
    time.sleep(1.5)
    streams = stats(simulator)['streams_opened'] - before
    emitted = emission_times(simulator, session_id)
    seen = page.evaluate('window.__seen')
    start = page.evaluate('window.__observerStart')
    page_latencies = [at - emitted[int(tick)] for tick, at in seen.items()
                      if int(tick) in emitted and emitted[int(tick)] >= start]
    context.close()
    if light_run is not None:
        report = light_run.finish()
        if report.errors or report.connected != len(light):
            raise RuntimeError(f'light page viewers failed: {report.errors[:3]}, {report.connected} connected')
    label = f'1 session: {followers} API followers + {viewers} page viewers, {rate} events/s'
    note = (f'{len(followed.latencies)} API samples from {followed.finished}/{followers} followers to the end; '
            f'{len(page_latencies)} page samples in 1 Chromium page beside {len(light)} light websocket viewers')
    rows: list[dict[str, Any]] = [
        {'scenario': label, 'metric': 'upstream stream connections', 'ours': streams, 'baseline': None,
         'clients': 'api + chromium + light'},
        {'scenario': label, 'metric': 'API follower errors', 'ours': len(followed.errors), 'baseline': None,
         'clients': 'api', 'note': '; '.join(followed.errors[:3])}]
    for label_, fraction in (('p50', 0.5), ('p99', 0.99)):
        ours, page = percentile(followed.latencies, fraction), percentile(page_latencies, fraction)
        rows.append({'scenario': label, 'metric': f'API follower latency {label_} (ms)',
                     'ours': None if ours is None else ours * 1000, 'baseline': None if page is None else page * 1000,
                     'clients': 'api (baseline column: the Chromium page beside them)', 'note': note})
    for row in rows:
        text, judge = JUDGES[row['metric']]
        row.update(target=text, met=judge(row['ours'], row['baseline']))
    return rows
