"""How long provisioning usually takes, from the sessions this dashboard kept: the first turn's stages, as AoD
reported their durations, in the latest archived sessions whose provisioning went through. Nothing is made up:
with no such session yet there is no figure, and the page says so."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import StorageError

if TYPE_CHECKING:
    from ..archive import Archive

__all__ = ['ProvisioningTimes', 'Typical', 'provisioning_ms']

HEAD = 40
"""Archived events read per session: its start and provisioning stages come first."""
NONE_TTL = 60.0
"""Seconds an answer of no figure is kept (a figure is kept `ttl`)."""


@dataclass(frozen=True)
class Typical:
    """The median provisioning time of the latest `sessions` sessions that were provisioned."""

    seconds: float
    sessions: int


def provisioning_ms(events: Iterable[Mapping[str, Any]]) -> int | None:
    """The first turn's provisioning time, summed from its stages' reported durations; None when a stage failed,
    none reported a duration, or the events end before the agent started."""
    total, reported = 0, False
    for event in events:
        kind = event.get('type')
        if kind in ('turn_start', 'output'):
            return total if reported else None
        if kind != 'stage':
            continue
        state, duration = event.get('state'), event.get('duration_ms')
        if state == 'failed':
            return None
        if state == 'done' and isinstance(duration, int) and not isinstance(duration, bool) and duration >= 0:
            total += duration
            reported = True
        if event.get('stage') == 'runtime_start':
            return total if reported else None
    return None


class ProvisioningTimes:
    """`typical()` reads the heads of the latest `sample` whole archives (newest first, by AoD's creation time) and
    keeps the answer `ttl` seconds (no figure: a minute), so a page that opens on a pending session costs no disk
    reads most times."""

    def __init__(self, archive: Archive | None, *, sample: int = 20, ttl: float = 600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.archive = archive
        self.sample = sample
        self.ttl = ttl
        self.clock = clock
        self._known: tuple[float, Typical | None] | None = None

    async def typical(self) -> Typical | None:
        """The median of the latest sessions' provisioning times; None when the dashboard kept none yet."""
        now = self.clock()
        if self._known is not None and now < self._known[0]:
            return self._known[1]
        times: list[int] = []
        for session_id in self._latest():
            try:
                found = provisioning_ms(await self.archive.head(session_id, HEAD))  # type: ignore[union-attr]
            except StorageError:
                continue  # a damaged copy tells nothing; the others still do
            if found is not None:
                times.append(found)
            if len(times) >= self.sample:
                break
        typical = Typical(statistics.median(times) / 1000, len(times)) if times else None
        # no figure yet is asked again sooner: the first sessions of a new dashboard are archived within minutes
        self._known = (now + (self.ttl if typical else min(self.ttl, NONE_TTL)), typical)
        return typical

    def _latest(self) -> list[str]:
        archive = self.archive
        if archive is None:
            return []
        whole = [(str((archive.meta(i) or {}).get('info', {}).get('created_at') or ''), i)
                 for i in archive if archive.complete(i)]
        return [session_id for _, session_id in sorted(whole, reverse=True)][:self.sample * 3]
