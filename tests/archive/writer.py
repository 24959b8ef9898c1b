"""A dashboard's archive reader alone in a process, for the crash test: follows one session until killed.

    python -m tests.archive.writer AOD_URL TOKEN ARCHIVE_FOLDER SESSION_ID
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from nicegui import core

from aod_ui.archive import Archive
from aod_ui.hub import HubRegistry
from aod_ui.upstream import Upstream


async def main(url: str, token: str, folder: str, session_id: str) -> None:
    core.loop = asyncio.get_running_loop()
    archive = Archive(Path(folder), fsync_interval=0.05)
    archive.open()
    upstream = Upstream(url, token, timeout=10)
    hubs = HubRegistry(lambda _: upstream, archive=archive, batch_interval=0.02)
    hubs.hub(session_id).follow()
    print('following', flush=True)
    await asyncio.Event().wait()


if __name__ == '__main__':
    asyncio.run(main(*sys.argv[1:5]))
