"""The leftover collector: one full pass after pages are deleted, once deletions pause, and never too often."""

from __future__ import annotations

import asyncio
import gc

from aod_ui.collector import LeftoverCollector


class Counting:
    def __init__(self) -> None:
        self.times: list[float] = []

    def __call__(self) -> int:
        self.times.append(asyncio.get_running_loop().time())
        return gc.collect()


async def test_a_burst_of_deletions_costs_one_pass_after_it_ends():
    passes = Counting()
    collector = LeftoverCollector(delay=0.1, min_interval=0.0, collect=passes)
    loop = asyncio.get_running_loop()
    for _ in range(5):
        collector.page_deleted()
        await asyncio.sleep(0.03)
    last_deletion = loop.time()
    assert collector.pending and not passes.times
    await asyncio.sleep(0.2)
    assert len(passes.times) == 1 and collector.passes == 1 and not collector.pending
    assert passes.times[0] >= last_deletion + 0.1 - 0.03 - 0.01  # a tenth of a second after the last deletion


async def test_passes_keep_their_distance():
    passes = Counting()
    collector = LeftoverCollector(delay=0.02, min_interval=0.3, collect=passes)
    collector.page_deleted()
    await asyncio.sleep(0.1)
    assert len(passes.times) == 1
    collector.page_deleted()  # soon after the first pass: waits for the interval to end
    await asyncio.sleep(0.1)
    assert len(passes.times) == 1 and collector.pending
    await asyncio.sleep(0.2)
    assert len(passes.times) == 2
    assert passes.times[1] - passes.times[0] >= 0.3 - 0.01


async def test_cancel_drops_a_scheduled_pass():
    passes = Counting()
    collector = LeftoverCollector(delay=0.02, collect=passes)
    collector.page_deleted()
    collector.cancel()
    await asyncio.sleep(0.08)
    assert not passes.times and not collector.pending
