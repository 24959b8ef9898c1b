"""How times, durations and money read in the pages."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ['cost', 'duration', 'exact_time', 'relative_epoch', 'relative_time']


def relative_epoch(seconds: float | None, never: str = 'never') -> str:
    """`relative_time` of a moment kept as seconds since the epoch (as the dashboard's own records keep them)."""
    return never if seconds is None else relative_time(datetime.fromtimestamp(seconds, tz=UTC))


def relative_time(moment: datetime | None, now: datetime | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', '2 days ago', or the date for older moments."""
    if moment is None:
        return '—'
    now = now or datetime.now(UTC)
    seconds = (now - moment).total_seconds()
    if seconds < 45:
        return 'just now'
    if seconds < 3600:
        return f'{round(seconds / 60)} min ago'
    if seconds < 86400:
        return f'{round(seconds / 3600)} h ago'
    if seconds < 7 * 86400:
        days = round(seconds / 86400)
        return f'{days} day{"s" if days != 1 else ""} ago'
    return moment.astimezone().strftime('%Y-%m-%d')


def exact_time(moment: datetime | None) -> str:
    return moment.astimezone().strftime('%Y-%m-%d %H:%M:%S %Z') if moment else ''


def duration(seconds: float | None) -> str:
    """'45 s', '3 min 05 s', '2 h 04 min'."""
    if seconds is None:
        return '—'
    seconds = round(seconds)
    if seconds < 60:
        return f'{seconds} s'
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f'{minutes} min {seconds:02d} s'
    hours, minutes = divmod(minutes, 60)
    return f'{hours} h {minutes:02d} min'


def cost(usd: float | None) -> str:
    return '—' if usd is None else f'${usd:.4f}' if usd < 1 else f'${usd:.2f}'
