"""The session page under load: how soon a new viewer gets the page, its first transcript line and a live page,
while 0, 50 or 200 others watch the same running session."""

from __future__ import annotations

import time

from ..harness import terminate
from ..light import LightRun
from ..registry import Context, Row, Scenario, Target, register
from ._common import SIDES, chatty, light_kind, light_path, page_path

TIMING = '''(() => {
  window.__firstLine = null; window.__live = null;
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      const nodes = record.type === 'characterData' ? [record.target] : record.addedNodes;
      for (const node of nodes) {
        if (/tick \\d+/.test(node.textContent || '')) {
          window.__firstLine = performance.now();
          observer.disconnect();
          return;
        }
      }
    }
  });
  observer.observe(document, {childList: true, subtree: true, characterData: true});
  const live = () => {
    if (window.did_handshake || window.__open) window.__live = performance.now(); else setTimeout(live, 5);
  };
  live();
})();'''
"""Runs in the page before its own scripts: when the first `tick` line shows and when the page's live connection
is open (NiceGUI's handshake for ours, the EventSource's `open` for the baseline), in ms since navigation."""


def _load(ctx: Context, url: str) -> tuple[float, float, float]:
    context = ctx.browser.new_context()
    context.add_init_script(TIMING)
    page = context.new_page()
    page.goto(url, wait_until='commit')
    page.wait_for_function('window.__firstLine !== null && window.__live !== null', timeout=60_000)
    ttfb = page.evaluate('performance.getEntriesByType("navigation")[0].responseStart')
    first, live = page.evaluate('[window.__firstLine, window.__live]')
    context.close()
    return ttfb, first, max(first, live)


def run(ctx: Context) -> list[Row]:
    levels = ctx.options.get('others') or ((0, 3) if ctx.quick else (0, 50, 200))
    warm = ctx.browser.new_context().new_page()  # the browser's first page pays its own start-up: not either server's
    for server in (ctx.dashboard, ctx.baseline):
        warm.goto(server.url + '/sessions')
    warm.context.close()
    rows = []
    for others in levels:
        measured = {}
        for side in SIDES:
            server = ctx.dashboard if side == 'ours' else ctx.baseline
            session_id = chatty(ctx.simulator, view='stream-json', rate=20, events=100_000, wait=0)
            time.sleep(2.0)  # provisioning done, output flowing
            light = LightRun(light_kind(side), server.url, [light_path(side, session_id)] * others, 600) \
                if others else None
            if light is not None:
                light.ready()
            measured[side] = _load(ctx, server.url + page_path(side, session_id))
            terminate(ctx.simulator, [session_id])
            if light is not None:
                light.stop()
        group = f'a running stream-json session, {others} other viewers'
        for index, metric in enumerate(('time to first byte (ms)', 'time to first transcript line (ms)',
                                        'time to interactive (ms)')):
            rows.append(Row(group, metric, measured['ours'][index], measured['baseline'][index],
                            clients='chromium + light'))
    return rows


def _interactive(ours: float | None, theirs: float | None) -> bool:
    return ours is not None and theirs is not None and ours <= 1.5 * theirs


register(Scenario(
    'page_load', 'The session page under load', run,
    targets={'time to interactive (ms)': Target("≤ 1.5× the baseline's", _interactive,
                                                               only=', 50 other viewers')},
    explain=(
        'A stream-json session writes 20 events/s; 0, 50 or 200 light viewers of each side watch it (NiceGUI '
        'websocket clients for ours, SSE readers for the baseline); then a fresh Chromium context loads the '
        'session page. Time to first byte from the Navigation Timing entry; first transcript line when a `tick` '
        'line first shows; interactive when that line shows and the page\'s live connection is open (NiceGUI\'s '
        'handshake, the EventSource\'s `open`). All in ms from the start of navigation.')))
