"""kill -9 in the middle of archive writes, then a restart: every event kept once, in order; the rest read again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from aod_ui.archive import SessionFiles

from ..helpers import CODEX, DASHBOARD_TOKEN
from .conftest import open_archive, registry_for, replay

ROOT = Path(__file__).resolve().parents[2]


async def test_kill_9_during_archive_writes_then_restart_loses_and_repeats_nothing(upstream, folder, simulator):
    session_id = (await upstream.create_session(agent_id=CODEX, prompt='scenario: chatty\nevents: 1200\nrate: 400')).id
    files = SessionFiles(folder, session_id)
    writer = subprocess.Popen([sys.executable, '-m', 'tests.archive.writer', simulator.url, DASHBOARD_TOKEN,
                               str(folder), session_id], cwd=ROOT, env={**os.environ, 'PYTHONPATH': str(ROOT)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while not files.log.exists() or files.log.stat().st_size < 40_000:  # well into the session, writing
            assert writer.poll() is None, writer.stderr.read().decode() if writer.stderr else ''
            assert asyncio.get_running_loop().time() < deadline, 'the writer did not archive in time'
            await asyncio.sleep(0.005)
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.returncode == -signal.SIGKILL
    kept = list(files.events())
    assert kept, 'the writer had archived events before it was killed'
    # a torn last line, as a crash in the middle of a write leaves it (the loader drops it; AoD sends it again)
    with open(files.log, 'ab') as log:
        log.write(b'{"c":999999,"t":"output","e":{"type":"outp')
    archive = open_archive(folder)
    async with registry_for(upstream, archive) as hubs:
        hub = hubs.hub(session_id)
        hub.follow()
        await asyncio.wait_for(hub.settled.wait(), 60)
    expected = await replay(upstream, session_id)
    archived = list(files.events())
    assert archived[:len(kept)] == kept, 'what was stored before the crash is kept as it was'
    assert archived == expected, 'every event exactly once, in order'
