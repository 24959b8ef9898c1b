"""The sweep of abandoned per-browser storage.

NiceGUI keeps one small file per browser id (`storage-user-<id>.json`) once something is written for that browser;
the dashboard writes only at sign-in (who, since when) and for the dark-mode choice of a signed-in person. Files
whose sign-in is over (signed out, expired, ended, or the person disabled or removed) are removed by this sweep,
which looks at no more than `limit` files per run so one run stays short however many files there are.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable, Collection
from pathlib import Path

__all__ = ['PREFIX', 'sweep_browser_storage']

log = logging.getLogger(__name__)

PREFIX = 'storage-user-'


def sweep_browser_storage(folder: Path, still_signed_in: Callable[[str, float], bool], *,
                          in_use: Collection[str] = (), now: float | None = None, limit: int = 10_000,
                          grace: float = 600.0) -> int:
    """Remove the storage files of browsers nobody is signed in on; return how many were removed.

    `still_signed_in(username, signed_in_at)` says whether a recorded sign-in still counts. Files of browser ids
    in `in_use` (loaded by a page or a request right now) and files changed within `grace` seconds are left alone.
    """
    now = time.time() if now is None else now
    removed = 0
    try:
        entries = os.scandir(folder)
    except FileNotFoundError:
        return 0
    with entries:
        for seen, entry in enumerate(entries):
            if seen >= limit:
                break
            name = entry.name
            if not (name.startswith(PREFIX) and name.endswith('.json')):
                continue
            if name[len(PREFIX):-len('.json')] in in_use:
                continue
            try:
                if now - entry.stat().st_mtime < grace:
                    continue
                data = json.loads(Path(entry.path).read_text(encoding='utf-8'))
            except (OSError, ValueError):
                data = None  # unreadable: nobody can be signed in through it
            username = data.get('username') if isinstance(data, dict) else None
            signed_in_at = data.get('signed_in_at') if isinstance(data, dict) else None
            if isinstance(username, str) and isinstance(signed_in_at, int | float) and \
                    still_signed_in(username, float(signed_in_at)):
                continue
            try:
                os.unlink(entry.path)
                removed += 1
            except FileNotFoundError:
                pass
    return removed


async def sweep_forever(folder: Callable[[], Path], still_signed_in: Callable[[str, float], bool],
                        in_use: Callable[[], Collection[str]], interval: float = 3600.0) -> None:
    """Sweep now and then every `interval` seconds, until cancelled."""
    while True:
        try:
            removed = await asyncio.to_thread(sweep_browser_storage, folder(), still_signed_in, in_use=set(in_use()))
            if removed:
                log.info('removed the storage of %d browser(s) nobody is signed in on', removed)
        except Exception:
            log.exception('sweeping browser storage failed')
        await asyncio.sleep(interval)
