"""Garbage collection tuned for many live pages in one process.

Two things make Python's collector pause live pages: full passes, which walk every object the process holds (about
a fifth of a second on two cores with fifty pages open), and when they come. Python starts a full pass when enough
objects have been allocated, which is always in the middle of the busiest push.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable

__all__ = ['LeftoverCollector', 'tune']

log = logging.getLogger(__name__)


def tune() -> None:
    """Keep the collector's pauses short and rare while pages are live.

    What start-up built (modules, framework, routes: hundreds of thousands of objects that live as long as the
    process) is left out of the collector's passes, which would otherwise walk all of it every time. The youngest
    generation is collected after 10,000 new objects instead of 700: the messages and page updates of a live push
    live for a few milliseconds, and at the default they were collected young and promoted, which made full passes
    come every ten seconds or so. The middle generation is collected after every second young pass, so what does
    live long (a new page's elements) moves on in small steps instead of in one long pass. Memory is reclaimed as
    before."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 2, 10)


class LeftoverCollector:
    """Collects what closed pages left behind soon after they are deleted, instead of in someone's live push.

    A page's elements refer to each other, so a deleted page is garbage that only a full pass finds. Left alone, it
    waits for the next pass that allocation starts, which then frees it too: after fifty viewers left, that pass took
    over half a second instead of a fifth, and it came with the next burst of live output. `page_deleted` runs the
    full pass `delay` seconds after the last deletion of a burst, and never sooner than `min_interval` after the
    previous one, so a stream of people leaving costs one pass every `min_interval` at most.
    """

    def __init__(self, *, delay: float = 2.0, min_interval: float = 10.0,
                 collect: Callable[[], int] = gc.collect) -> None:
        self._delay = delay
        self._min_interval = min_interval
        self._collect = collect
        self._last: float | None = None
        self._handle: asyncio.TimerHandle | None = None
        self.passes = 0

    def page_deleted(self) -> None:
        """Call for each deleted page (NiceGUI client); the pass follows once deletions pause."""
        if self._handle is not None:
            self._handle.cancel()
        now = time.monotonic()
        due = now + self._delay
        if self._last is not None:
            due = max(due, self._last + self._min_interval)
        self._handle = asyncio.get_running_loop().call_later(due - now, self._run)

    @property
    def pending(self) -> bool:
        """Whether a pass is scheduled."""
        return self._handle is not None

    def _run(self) -> None:
        self._handle = None
        started = time.perf_counter()
        found = self._collect()
        self._last = time.monotonic()
        self.passes += 1
        log.debug('collected %d objects left by closed pages in %.0f ms', found,
                  (time.perf_counter() - started) * 1000)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
