"""The index heals itself: what could not be written (a full disk, a file another program holds locked) is read
again from the archive once writing works, with no new event needed and no rebuild; at start, every session is
compared with its archive. Real SQLite files in real failing conditions, not stand-ins."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from aod_ui.archive import Archive
from aod_ui.search import SearchIndex

from ..helpers import BUG_FIX, CODEX
from .test_index import archived, rows, settle

ROOT = Path(__file__).resolve().parents[2]


def rebuilt(folder: Path, path: Path, session_id: str) -> list[tuple[int, str, str]]:
    """A session's rows in an index built afresh from the archive: what the healed index must hold."""
    SearchIndex(path, folder).rebuild()
    return rows(SearchIndex(path, folder), session_id)


async def caught_up(index: SearchIndex, timeout: float = 20) -> None:
    for _ in range(int(timeout / 0.05)):
        if index.behind == 0 and index.problem is None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f'the index did not catch up: {index.behind} behind, {index.problem}')


async def test_writes_refused_while_another_program_holds_the_index_are_caught_up_after(upstream, folder,
                                                                                          index_path, tmp_path):
    archive = Archive(folder)
    archive.open()
    index = SearchIndex(index_path, folder, retry=0.2, busy_timeout=0.1)
    archive.listener = index
    index.start()
    try:
        first = await archived(upstream, archive, 'Fix the flaky login test')
        await settle(index)
        assert rows(index, first)
        holder = sqlite3.connect(index_path)  # a backup tool, say, holding the write lock
        holder.execute('BEGIN EXCLUSIVE')
        second = await archived(upstream, archive, 'scenario: chatty\nevents: 60', CODEX)
        await archive.remember(second, {'prompts': {'1': 'a chatty quokka'}})
        for _ in range(200):
            if index.problem:
                break
            await asyncio.sleep(0.05)
        assert 'cannot be written' in (index.problem or '') and 'locked' in index.problem
        assert index.behind >= 1
        found = index.search('quokka', [second])
        assert found.total == 0 and 'cannot be written' in (found.note or '')  # searches say what is missing
        holder.rollback()
        holder.close()
        await caught_up(index)  # no further write of either session: the index comes back by itself
        assert rows(index, second) == rebuilt(folder, tmp_path / 'fresh.sqlite', second)
        assert rows(index, first) == rebuilt(folder, tmp_path / 'fresh.sqlite', first)
        assert index.search('quokka', [second]).total == 1 and index.search('quokka', [second]).note is None
    finally:
        index.stop()


FULL = textwrap.dedent('''
    import json, resource, shutil, signal, sqlite3, sys, time
    from pathlib import Path
    from aod_ui.archive import SessionFiles
    from aod_ui.search import SearchIndex

    folder, aside, path, session_id = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    index = SearchIndex(path, folder, retry=0.2)
    index.start()
    assert index.settle(30)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))  # from here, no file of this process may grow: full
    for name in sorted(p.name for p in aside.iterdir()):  # the archive wrote the session (before it filled up) ...
        shutil.move(aside / name, folder / name)
    lines = [line.text + '\\n' for line in SessionFiles(folder, session_id).scan(repair=False).lines]
    index.written(session_id, 0, lines)  # ... and tells the index, which cannot write it
    index.settle(30)
    problem, behind = index.problem, index.behind
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # space again
    deadline = time.monotonic() + 20
    while (index.behind or index.problem) and time.monotonic() < deadline:
        time.sleep(0.05)
    print(json.dumps({'problem': problem, 'behind': behind, 'after': [index.behind, index.problem]}))
    index.stop()
''')


async def test_a_full_disk_loses_nothing_once_there_is_space_again(upstream, folder, index_path, tmp_path):
    archive = Archive(folder)
    archive.open()
    first = await archived(upstream, archive, 'Fix the flaky login test')
    session_id = await archived(upstream, archive, 'scenario: chatty\nevents: 40', CODEX)
    aside = tmp_path / 'aside'
    aside.mkdir()
    for path in folder.glob(f'{session_id}.*'):
        shutil.move(path, aside / path.name)
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, '-c', FULL, str(folder), str(aside), str(index_path), session_id],
        cwd=ROOT, env={'PYTHONPATH': str(ROOT), 'PATH': '/usr/bin:/bin'}, capture_output=True, text=True,
        timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert 'cannot be written' in report['problem'] and report['behind'] == 1, report
    assert report['after'] == [0, None], report
    assert rows(SearchIndex(index_path, folder), session_id) == \
        rebuilt(folder, tmp_path / 'fresh.sqlite', session_id) != []
    assert rows(SearchIndex(index_path, folder), first) == rebuilt(folder, tmp_path / 'fresh.sqlite', first)


async def test_at_start_sessions_archived_meanwhile_or_no_longer_archived_are_put_right(upstream, folder,
                                                                                        index_path, tmp_path):
    archive = Archive(folder)
    archive.open()
    kept = await archived(upstream, archive, 'Fix the flaky login test')
    gone = await archived(upstream, archive, 'scenario: chatty\nevents: 30', CODEX)
    index = SearchIndex(index_path, folder)
    index.start()
    await settle(index)
    index.stop()
    before = rows(index, kept)
    # while the index did not run (or a crash lost its queue): one more session archived, and one session's archive
    # deleted by hand
    later = await archived(upstream, archive, 'scenario: chatty\nevents: 30', BUG_FIX)
    for path in folder.glob(f'{gone}.*'):
        path.unlink()
    index = SearchIndex(index_path, folder)
    index.start()
    await settle(index)
    index.stop()
    assert rows(index, later) == rebuilt(folder, tmp_path / 'fresh.sqlite', later) != []
    assert rows(index, kept) == before  # nothing indexed twice
    with sqlite3.connect(index_path) as conn:
        assert conn.execute('SELECT count(*) FROM sessions WHERE id = ?', (gone,)).fetchone()[0] == 0
        assert conn.execute('SELECT count(*) FROM lines').fetchone()[0] == len(rows(index, kept)) + \
            len(rows(index, later)) + 0 * len(before)
