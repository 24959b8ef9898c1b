"""The archive on the Operations page: its size and growth, what is still being read from AoD, and a full disk."""

from __future__ import annotations

from nicegui import ui

from ..archive import ArchiveUsage
from ..system import System

__all__ = ['archive_card', 'size_text']


def size_text(count: float) -> str:
    """1.2 GB, 340 MB, 12 kB."""
    for unit, scale in (('GB', 1e9), ('MB', 1e6), ('kB', 1e3)):
        if abs(count) >= scale:
            return f'{count / scale:.1f} {unit}'
    return f'{count:.0f} B'


def archive_card(system: System, usage: ArchiveUsage) -> None:
    with ui.card().classes('w-full gap-1').mark('archive'):
        ui.label('Archive').classes('font-semibold')
        if usage.problem:
            ui.label(usage.problem).classes('text-negative bg-red-1 rounded p-2 text-sm').mark('archive-problem')
        growth = '—' if usage.growth_per_day is None else f'{size_text(usage.growth_per_day)} a day'
        ui.label(f'{size_text(usage.bytes)} on disk · {usage.sessions} sessions ({usage.complete} complete, '
                 f'{usage.deleted_upstream} deleted upstream) · growth {growth}').classes('text-sm') \
            .mark('archive-size')
        follower = system.follower
        if follower is not None:
            status = follower.status()
            reading = ', '.join(f'{session_id[:8]} ({rows:,} rows)' for session_id, rows in status['reading'].items())
            ui.label(f'Reading from AoD: {reading or "nothing"} · {status["queued"]} finished sessions waiting, '
                     f'at most {follower.streams} at a time and {follower.rate:g} stream starts per second') \
                .classes('text-xs opacity-70').mark('archive-backfill')
