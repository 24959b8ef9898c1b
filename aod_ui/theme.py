"""Colours, icons and shared classes: the one place the dashboard's look is decided."""

from __future__ import annotations

__all__ = ['PRIMARY', 'PROBLEM', 'STATUS_COLORS', 'STATUS_ICONS', 'status_color', 'status_icon']

PRIMARY = '#4f46e5'
PROBLEM = 'text-negative bg-red-1 rounded'
"""A problem a page shows in its place (AoD unreachable, a refused launch), as a red banner."""

STATUS_COLORS = {
    'pending': 'amber-8',
    'running': 'blue-7',
    'completed': 'positive',
    'failed': 'negative',
    'terminated': 'grey-7',
}
STATUS_ICONS = {
    'pending': 'hourglass_top',
    'running': 'play_circle',
    'completed': 'check_circle',
    'failed': 'error',
    'terminated': 'stop_circle',
}


def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, 'grey-6')


def status_icon(status: str) -> str:
    return STATUS_ICONS.get(status, 'help')
