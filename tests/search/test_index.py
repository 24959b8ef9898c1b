"""The index is fed as the archive is written, holds what people read, survives damage and restarts."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from aod_ui.archive import Archive, SessionFiles
from aod_ui.errors import StorageError
from aod_ui.search import SearchIndex, archived_window, parse_query, pieces
from aod_ui.transcript import readable_line

from ..archive.conftest import launch, registry_for
from ..helpers import BUG_FIX, CODEX

ROOT = Path(__file__).resolve().parents[2]


async def archived(upstream, archive: Archive, prompt: str, agent: str = BUG_FIX) -> str:
    session_id = await launch(upstream, prompt, agent)
    async with registry_for(upstream, archive) as hubs:
        hub = hubs.hub(session_id)
        hub.follow()
        await asyncio.wait_for(hub.settled.wait(), 30)
    return session_id


async def settle(index: SearchIndex) -> None:
    assert await asyncio.to_thread(index.settle)


def rows(index: SearchIndex, session_id: str) -> list[tuple[int, str, str]]:
    with sqlite3.connect(index.path) as conn:
        return conn.execute('SELECT line, kind, text FROM lines JOIN sessions USING (sid) WHERE id = ? ORDER BY line',
                            (session_id,)).fetchall()


async def test_what_is_read_is_indexed_as_it_is_archived_without_json_punctuation(upstream, indexed):
    archive, index = indexed
    session_id = await archived(upstream, archive, 'Fix the flaky login test')
    await settle(index)
    found = rows(index, session_id)
    kinds = {kind for _, kind, _ in found}
    assert {'text', 'thinking', 'tool'} <= kinds
    assert not any(text.startswith('{"type"') or '"tool_use_id"' in text for _, _, text in found)
    # what a reader of the transcript reads: every line of it is in the index (a tool's input too)
    events = list(SessionFiles(archive.folder, session_id).events())
    stdout = ''.join(str(e.get('data', '')) for e in events
                     if e.get('type') == 'output' and e.get('stream') != 'stderr')
    tool_inputs = [block['input'] for line in stdout.splitlines() if line.startswith('{')
                   for block in (json.loads(line).get('message') or {}).get('content') or []
                   if isinstance(block, dict) and block.get('type') == 'tool_use']
    assert tool_inputs, 'the scenario calls tools'
    path = next(str(v) for i in tool_inputs for k, v in i.items() if k in {'file_path', 'command', 'pattern'})
    results = index.search(path, [session_id])
    assert results.total >= 1 and any(path in hit.text for hit in results.hits)
    # the prompts AoD's turns carry, once the archive learns them
    await archive.remember(session_id, {'prompts': {'1': 'Fix the flaky login test'}})
    await settle(index)
    assert any(hit.kind == 'prompt' and hit.turn == 1 for hit in index.search('flaky login', [session_id]).hits)


async def test_a_restart_resumes_and_a_gap_is_read_again_from_the_archive(upstream, folder, index_path):
    archive = Archive(folder)
    archive.open()
    first = await archived(upstream, archive, 'scenario: chatty\nevents: 60', CODEX)  # archived before any index
    index = SearchIndex(index_path, folder)
    archive.listener = index
    index.start()
    await settle(index)
    before = rows(index, first)
    assert before, 'a new index is built from the archive'
    second = await archived(upstream, archive, 'scenario: chatty\nevents: 60', CODEX)
    await settle(index)
    index.stop()
    lines = rows(index, second)
    index = SearchIndex(index_path, folder)  # a restart: nothing is indexed twice
    index.start()
    index.written(second, 10**6, [])  # a write the index never saw the start of: it reads the session again
    await settle(index)
    index.stop()
    assert rows(index, first) == before and rows(index, second) == lines


async def test_a_damaged_index_is_rebuilt_not_a_crash(upstream, indexed):
    archive, index = indexed
    session_id = await archived(upstream, archive, 'Fix the flaky login test')
    await settle(index)
    expected = rows(index, session_id)
    index.stop()
    index.path.write_bytes(b'this is not a database' * 100)
    for suffix in ('-wal', '-shm'):
        index.path.with_name(index.path.name + suffix).unlink(missing_ok=True)
    index = SearchIndex(index.path, archive.folder)
    index.start()
    await settle(index)
    assert rows(index, session_id) == expected
    index.stop()


def test_search_text_never_reaches_fts_syntax_and_highlights_as_text_pieces():
    assert parse_query('NEAR( "x" OR y*').expression == '"NEAR" AND "x" AND "OR" AND "y"*'
    assert parse_query('src/app.py').expression == '"src app py"*'
    assert not parse_query(' "() ')
    assert pieces('Read <b>App.py</b>', ('app', 'py')) == [('Read <b>', False), ('App', True), ('.', False),
                                                           ('py', True), ('</b>', False)]


def test_readable_text_of_a_stream_json_line():
    line = json.dumps({'type': 'assistant', 'message': {'content': [
        {'type': 'tool_use', 'id': 't1', 'name': 'Bash', 'input': {'command': 'pytest -k login'}}]}})
    assert readable_line(line) == ('tool', 'Bash: pytest -k login\npytest -k login')
    assert readable_line(json.dumps({'type': 'stream_event', 'event': {}}))[1] == ''
    assert readable_line('plain output') == ('stdout', 'plain output')


async def test_the_reindex_command_rebuilds_from_the_archive_with_progress(upstream, folder, index_path):
    archive = Archive(folder)
    archive.open()
    session_id = await archived(upstream, archive, 'Fix the flaky login test')
    index_path.parent.mkdir(parents=True, exist_ok=True)
    index_path.write_bytes(b'damaged' * 50)
    env = {**os.environ, 'AOD_UI_DATA_DIR': str(folder.parent)}
    env.pop('NICEGUI_USER_SIMULATION', None)
    done = await asyncio.to_thread(subprocess.run, [sys.executable, str(ROOT / 'main.py'), 'search', 'reindex'],
                                   env=env, capture_output=True, text=True, timeout=60, cwd=folder.parent)
    assert done.returncode == 0, done.stderr
    assert '1 of 1 sessions' in done.stdout and 'The search index holds' in done.stdout
    index = SearchIndex(index_path, folder)
    assert index.search('flaky login', [session_id]).total >= 1


def test_search_turned_off_indexes_nothing_and_says_so(folder, index_path):
    index = SearchIndex(index_path, folder, enabled=False)
    index.start()
    results = index.search('anything', ['s1'])
    assert results.total == 0 and 'turned off' in (results.note or '')
    assert not index_path.exists()


async def test_a_search_that_meets_a_damaged_index_says_so_and_has_it_rebuilt(upstream, indexed):
    archive, index = indexed
    session_id = await archived(upstream, archive, 'Fix the flaky login test')
    await settle(index)
    assert index.search('flaky', [session_id]).total >= 1
    index.stop()
    for suffix in ('-wal', '-shm'):
        index.path.with_name(index.path.name + suffix).unlink(missing_ok=True)
    index.path.write_bytes(b'not a database at all' * 200)
    with pytest.raises(StorageError, match='being rebuilt'):
        index.search('flaky', [session_id])
    index.start()
    await settle(index)
    assert index.search('flaky', [session_id]).total >= 1


async def test_the_archived_lines_around_a_match_are_numbered_as_the_index_numbers_them(upstream, indexed):
    archive, index = indexed
    session_id = await archived(upstream, archive, 'scenario: chatty\nevents: 300', CODEX)
    await settle(index)
    hits = index.search('tick', [session_id], limit=400).hits
    assert len(hits) > 200
    for hit in hits[::37]:
        window = archived_window(archive.folder, session_id, hit.line, before=5, after=5)
        at = [line for line in window.lines if line.line == hit.line]
        assert at and at[0].text == hit.text and at[0].kind == hit.kind
        assert [line.line for line in window.lines] == sorted(line.line for line in window.lines)
        assert len([line for line in window.lines if line.line < hit.line]) == min(5, len(
            [h for h in rows(index, session_id) if h[0] < hit.line]))
    assert window.total == max(line for line, _, _ in rows(index, session_id)) + 1
    assert archived_window(archive.folder, 'no-such-session', 3).lines == []


def test_ranking_prefers_more_of_the_words_in_shorter_lines_and_rarer_words_and_then_the_newest():
    from aod_ui.search._reading import ranked
    one = (('parser',),)
    candidates = [(1, 'Parser parser PARSER fails'), (3, 'parser'),
                  (2, 'the parser, in a very long line with many other words around it, goes on and on and on')]
    assert ranked(candidates, one, [1.0]) == [1, 3, 2]
    assert ranked([(4, 'x parser'), (5, 'x parser'), (6, 'y parser')], one, [1.0]) == [6, 5, 4]  # equals: newest
    two = (('parser',), ('zebra',))
    lines = [(7, 'parser parser parser zebra'), (8, 'parser zebra zebra zebra')]
    assert ranked(lines, two, [0.1, 5.0]) == [8, 7]  # the rarer word found more often counts more
    assert ranked(lines, two, [5.0, 0.1]) == [7, 8]
    assert ranked([], one, [1.0]) == []


async def test_a_rare_word_weighs_more_than_a_common_one(upstream, indexed):
    from aod_ui.search._reading import _connect, _weights
    archive, index = indexed
    await archived(upstream, archive, 'scenario: chatty\nevents: 200', CODEX)  # "tick" in every line
    await settle(index)
    conn = _connect(index.path)
    try:
        common, rare = _weights(conn, parse_query('tick 117'), prefix=True)
        assert rare > common > 0
        assert _weights(conn, parse_query('tick 117'), prefix=False) == [common, rare]  # no "1170" to widen to
        assert _weights(conn, parse_query('tick'), prefix=True) == [1.0]  # one phrase: its weight orders nothing
    finally:
        conn.close()


async def test_a_word_found_often_as_typed_is_not_widened_to_the_words_it_begins(index_path, folder):
    from aod_ui.archive import encode
    from aod_ui.search._reading import COUNT_LIMIT
    index = SearchIndex(index_path, folder)
    index.start()
    try:
        def output(n: int, text: str) -> str:
            return encode(n, {'type': 'output', 'id': n, 'turn': 1, 'stream': 'stdout', 'data': text + '\n'})
        # "parse" as a whole word in as many lines as are counted; "parser" newer, in fewer
        index.written('common', 0, [output(n, f'parse step {n}') for n in range(1, COUNT_LIMIT + 1)])
        index.written('common', COUNT_LIMIT, [output(COUNT_LIMIT + n, f'parser step {n}') for n in range(1, 6)])
        # "lexe" is found whole in no line: it is taken as a prefix and finds "lexer"
        index.written('rare', 0, [output(1, 'lexer one'), output(2, 'the lexer two'), output(3, 'lex three')])
        await settle(index)
        everyone = ['common', 'rare']
        found = index.search('parse', everyone, limit=10)
        assert found.total == COUNT_LIMIT and all(hit.text.startswith('parse step') for hit in found.hits)
        widened = index.search('lexe', everyone)
        assert sorted(hit.text for hit in widened.hits) == ['lexer one', 'the lexer two'] and widened.total == 2
        # the last word only: earlier ones are always whole
        assert index.search('parser st', everyone).total == 5
        assert index.search('parse ste', everyone).total == COUNT_LIMIT
    finally:
        index.stop()
