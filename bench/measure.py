"""Measuring tools shared by the scenarios: when each `tick N` was emitted and when it reached a viewer, percentiles,
and the statistics the report draws from repeats (median and spread, a slope with its confidence interval)."""

from __future__ import annotations

import json
import math
import re
import weakref
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

TICK = re.compile(r'tick (\d+)')

OBSERVER = '''() => {
  window.__seen = {}; window.__observerStart = Date.now() / 1000;
  const scan = (text, now) => {
    for (const match of text.matchAll(/tick (\\d+)/g)) {
      if (!(match[1] in window.__seen)) window.__seen[match[1]] = now;
    }
  };
  new MutationObserver((records) => {
    const now = Date.now() / 1000;
    for (const record of records) {
      if (record.type === 'characterData') scan(record.target.textContent || '', now);
      for (const node of record.addedNodes) scan(node.textContent || '', now);
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
  scan(document.body.innerText, Date.now() / 1000);
}'''
"""Records when each `tick N` first reaches the page's DOM (the browser and the simulator share this clock)."""


def emission_times(simulator, session_id: str) -> dict[int, float]:
    """`tick N` → when the simulator emitted it (its `emitted_at` stamp), from the session's full replay. Works for
    plain text (`tick N` lines) and stream-json (assistant messages whose text is `tick N`)."""
    from .harness import sim
    times: dict[int, float] = {}
    with sim(simulator) as client, client.stream('GET', f'/sessions/{session_id}/stream') as response:
        for line in response.iter_lines():
            if not line.startswith('data: '):
                continue
            event = json.loads(line[6:])
            if event.get('type') == 'output' and 'emitted_at' in event:
                for match in TICK.finditer(event.get('data', '')):
                    times.setdefault(int(match.group(1)), event['emitted_at'])
            if event.get('type') in {'exit', 'error', 'terminated'}:
                break
    return times


def all_emission_times(simulator, session_ids: Sequence[str]) -> dict[str, dict[int, float]]:
    """`emission_times` of several sessions at once: a paced replay takes a while for each."""
    with ThreadPoolExecutor(max_workers=max(1, min(64, len(session_ids)))) as pool:  # paced: mostly waiting
        return dict(zip(session_ids, pool.map(lambda sid: emission_times(simulator, sid), session_ids), strict=True))


LEAVING_GRACE = 2.0
"""Seconds before a viewer left within which a tick may fairly not have reached it yet (AoD's 0.5 s pace, the
dashboard's batching): not expected from it."""


@dataclass
class Delivery:
    """What one viewer received: when each tick first reached it, and from when until when it was watching (no
    end: until the output ended)."""

    seen: dict[int, float]
    start: float
    end: float | None = None


def latencies(deliveries: Iterable[Delivery], emitted: dict[int, float]) -> tuple[list[float], int, int]:
    """Latency of every tick each viewer should have received (emitted after it started watching), and how many
    were expected and how many arrived."""
    values: list[float] = []
    expected = measured = 0
    for delivery in deliveries:
        for tick, sent in emitted.items():
            if sent < delivery.start or (delivery.end is not None and sent > delivery.end - LEAVING_GRACE):
                continue
            expected += 1
            at = delivery.seen.get(tick)
            if at is not None:
                measured += 1
                values.append(at - sent)
    return values, expected, measured


RELOADS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Page → what its console said about reloading, and its navigations (the first is its own load); filled by
`scenarios._common.viewer_page`."""


def page_delivery(page) -> Delivery:
    seen = page.evaluate('window.__seen')
    if seen is None:  # the page loaded again and lost what it recorded
        raise RuntimeError(f'{page.url}: the page reloaded while it was measured; its console and navigations: '
                           f'{RELOADS.get(page, ["(not watched)"])}')
    return Delivery({int(tick): at for tick, at in seen.items()}, page.evaluate('window.__observerStart'))


def percentile(values: Sequence[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def ms(value: float | None) -> float | None:
    return None if value is None else value * 1000


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


# two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom (beyond: the normal's 1.96)
_T95 = (12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


@dataclass
class Slope:
    """A least-squares slope and its 95 % confidence interval."""

    value: float
    low: float
    high: float

    @property
    def includes_zero(self) -> bool:
        return self.low <= 0 <= self.high


def slope(xs: Sequence[float], ys: Sequence[float]) -> Slope | None:
    """Ordinary least squares of ys on xs, with the t-based 95 % interval of the slope (None under 3 points)."""
    n = len(xs)
    if n < 3 or n != len(ys):
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None
    b = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    a = mean_y - b * mean_x
    residual = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys, strict=True))
    error = math.sqrt(residual / (n - 2) / sxx)
    t = _T95[n - 3] if n - 2 <= len(_T95) else 1.96
    return Slope(b, b - t * error, b + t * error)
