"""The archive's files without AoD: torn lines, an interrupted compaction, a failed write, the tail a hub holds."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import os

import pytest
from nicegui import core

from aod_ui.archive import SessionFiles, _files, encode
from aod_ui.archive._files import event_of, parse_head
from aod_ui.archive._log import choose


def events(count: int) -> list[tuple[int | None, dict]]:
    out: list[tuple[int | None, dict]] = [(None, {'type': 'start', 'provider': 'openai', 'session_id': 's'}),
                                          (1, {'type': 'stage', 'id': 1, 'stage': 'create_sprite', 'state': 'done'}),
                                          (None, {'type': 'turn_start', 'id': 2, 'turn': 1})]
    for n in range(2, count + 2):
        out.append((n, {'type': 'output', 'id': n, 'stream': 'stdout', 'data': f'line "{n}" é\n', 'turn': 1}))
    out.append((count + 1, {'type': 'exit', 'id': count + 1, 'code': 0}))
    return out


def test_lines_keep_the_event_exactly_and_their_head_is_read_without_parsing(tmp_path):
    for cursor, payload in events(3):
        line = encode(cursor, payload)
        head = parse_head(line.rstrip('\n'))
        assert (head.cursor, head.type) == (cursor, payload['type'])
    odd = encode(7, {'type': 'we"ird', 'id': 7})
    assert parse_head(odd.rstrip('\n')).type == '?'


def test_a_torn_last_line_is_cut_off_and_the_cursor_is_the_last_whole_line(tmp_path):
    files = SessionFiles(tmp_path, 'session-1')
    stored = events(5)
    files.append([encode(c, e) for c, e in stored], sync=True)
    with open(files.log, 'ab') as log:
        log.write(encode(99, {'type': 'output', 'id': 99, 'data': 'x'}).encode()[:20])
    scan = SessionFiles(tmp_path, 'session-1').scan()
    assert [parse_head(line.text).cursor for line in scan.lines] == [c for c, _ in stored]
    assert scan.cursor == 6 and scan.rows == 6 and scan.turns_started == {1} and ('exit', 6) in scan.endings
    assert files.log.read_bytes().endswith(b'\n')
    assert list(files.events()) == [e for _, e in stored]


def test_an_interrupted_compaction_leaves_no_duplicate(tmp_path):
    files = SessionFiles(tmp_path, 'session-2')
    stored = events(4)
    files.append([encode(c, e) for c, e in stored], sync=True)
    kept = files.log.read_bytes()
    files.compact()
    files.log.write_bytes(kept)  # the crash came after the rename, before the appended file was removed
    assert list(SessionFiles(tmp_path, 'session-2').events()) == [e for _, e in stored]
    SessionFiles(tmp_path, 'session-2').scan()
    assert not files.log.exists()
    more = [(9, {'type': 'output', 'id': 9, 'stream': 'stdout', 'data': 'after a follow-up\n', 'turn': 2})]
    files.append([encode(c, e) for c, e in more], sync=True)  # a follow-up reopens it; compaction adds a member
    files.compact()
    assert list(files.events()) == [e for _, e in stored + more]


def test_a_failed_write_leaves_only_whole_lines(tmp_path):
    calls = []

    def half_then_full(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            return os.write(fd, data[:len(data) // 2])  # a short write, then the disk is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    files = SessionFiles(tmp_path, 'session-3')
    files.append([encode(c, e) for c, e in events(2)], sync=False)
    files._write = half_then_full
    with pytest.raises(OSError):
        files.append([encode(c, e) for c, e in events(50)], sync=False)
    assert list(SessionFiles(tmp_path, 'session-3').events()) == [e for _, e in events(2)]


def test_the_tail_a_hub_holds_starts_at_a_line_boundary_after_the_head(tmp_path):
    files = SessionFiles(tmp_path, 'session-4')
    stored = events(100)
    stored[63] = (stored[63][0], {**stored[63][1], 'data': 'half a li'})  # a line split over two chunks
    files.append([encode(c, e) for c, e in stored], sync=True)
    scan = files.scan()
    lines, skipped = choose(scan, 40)
    kinds = [line.type for line in lines]
    assert kinds[:3] == ['start', 'stage', 'turn_start'] and kinds[-1] == 'exit'
    assert skipped == len(stored) - len(lines) and len(lines) <= 40 + 3
    assert len(stored) - 40 == 64 and lines[3].cursor == stored[65][0]  # never in the middle of a line


def test_session_ids_that_cannot_name_a_file_are_refused(tmp_path):
    for bad in ('../x', '', 'a/b', '.hidden'):
        with pytest.raises(ValueError):
            SessionFiles(tmp_path, bad)


async def test_a_damaged_copy_is_reported_and_left_alone(tmp_path):
    from aod_ui.archive import Archive
    from aod_ui.errors import StorageError
    files = SessionFiles(tmp_path, 'session-5')
    files.append([encode(c, e) for c, e in events(3)], sync=True)
    files.compact()
    files.write_meta({'complete': True, 'events': 6})
    files.packed.write_bytes(files.packed.read_bytes()[:-9])  # cut short
    with pytest.raises(ValueError, match='damaged'):
        files.scan()
    archive = Archive(tmp_path)
    archive.open()
    with pytest.raises(StorageError, match='cannot be read'):
        await archive.events('session-5')
    assert files.packed.exists()


def test_line_separators_inside_an_event_keep_it_on_its_line(tmp_path):
    files = SessionFiles(tmp_path, 'session-6')
    stored = events(3)
    stored[4] = (stored[4][0], {**stored[4][1], 'data': 'a\u2028b\u2029c\x85d\x0be\x0cf\n'})  # JSON leaves them as is
    files.append([encode(c, e) for c, e in stored], sync=True)
    assert list(SessionFiles(tmp_path, 'session-6').events()) == [e for _, e in stored]  # appended
    files.compact()
    assert list(SessionFiles(tmp_path, 'session-6').events()) == [e for _, e in stored]  # packed


def two_turns(count: int) -> list[tuple[int | None, dict]]:
    first = events(count)
    second = [(None, {'type': 'turn_start', 'id': count + 2, 'turn': 2})]
    second += [(n, {'type': 'output', 'id': n, 'stream': 'stdout', 'data': f'turn two {n}\n', 'turn': 2})
               for n in range(count + 3, 2 * count + 3)]
    return first + second + [(2 * count + 3, {'type': 'exit', 'id': 2 * count + 3, 'code': 0})]


def packed_in_members(tmp_path, monkeypatch, name: str, count: int) -> tuple[SessionFiles, list, list[str]]:
    """A session's files packed 30 lines to a member, its two turns' events and their archive lines."""
    monkeypatch.setattr(_files, 'MEMBER_LINES', 30)
    stored = two_turns(count)
    return SessionFiles(tmp_path, name), stored, [encode(c, e) for c, e in stored]


def test_a_finished_session_is_chosen_from_its_tail_as_a_whole_read_chooses_it(tmp_path, monkeypatch):
    files, stored, texts = packed_in_members(tmp_path, monkeypatch, 'session-7', 100)
    files.append(texts[:150], sync=True)
    _, members = files.compact()
    files.append(texts[150:], sync=True)  # a follow-up, packed after the first compaction
    size, members = files.compact(members)
    assert [lines for _, lines in members] == [30] * 5 + [30, 26] and size == files.packed.stat().st_size
    assert members == [list(member) for member in _files.members_of(files.packed.read_bytes())]
    whole = files.scan()
    recorded = whole.summary()
    assert recorded['turns_at'] == [2, 104] and recorded['count'] == len(stored)
    tail = files.finished(len(stored), recorded, members)
    assert tail is not None and list(tail.lines) == list(whole.lines)
    for hold in (40, 150, 500):
        assert choose(tail, hold) == choose(whole, hold)
    held = choose(tail, 40)[0]
    assert [line.type for line in held[:3]] == ['start', 'stage', 'turn_start'] and held[3].type == 'output'
    assert event_of(held[2])['turn'] == 2  # the latest turn header before the tail
    assert list(tail.lines[100:130]) == list(whole.lines[100:130]) and tail.lines[-1] == whole.lines[-1]
    assert (tail.cursor, tail.rows, tail.seen_start, tail.turns_started, tail.endings, tail.last_type) == \
        (whole.cursor, whole.rows, whole.seen_start, whole.turns_started, whole.endings, whole.last_type)
    assert files.finished(len(stored) - 1, recorded, members) is None  # not what was recorded: read it whole
    assert files.finished(len(stored), {**recorded, 'turns_at': [len(stored)]}, members) is None
    assert files.finished(len(stored), {'cursor': 3}, members) is None
    assert files.finished(len(stored), recorded, [[5, len(stored)]]) is None
    assert files.finished(len(stored), recorded, None) is None
    shifted = files.finished(len(stored), recorded, [[0, 30], [members[1][0] + 1, 30], *members[2:]])
    with pytest.raises(ValueError):
        list(shifted.lines)  # a member that is not where the index says is found out when it is read
    files.append([encode(None, {'type': 'turn_start', 'id': 999, 'turn': 3})], sync=True)
    assert files.finished(len(stored), recorded, members) is None  # appended since (a follow-up)


def test_a_compaction_the_index_missed_is_found_in_the_file(tmp_path, monkeypatch):
    files, stored, texts = packed_in_members(tmp_path, monkeypatch, 'session-10', 60)
    files.append(texts[:40], sync=True)
    _, recorded = files.compact()
    files.append(texts[40:80], sync=True)
    files.compact(recorded)  # packed, then the dashboard stopped before the index recorded it
    files.append(texts[80:], sync=True)
    _, members = files.compact(recorded)
    assert members == [list(member) for member in _files.members_of(files.packed.read_bytes())]
    assert sum(lines for _, lines in members) == len(stored) and len(members) == 6


def test_reading_a_finished_session_by_its_tail_inflates_only_what_it_holds(tmp_path, monkeypatch):
    files, stored, texts = packed_in_members(tmp_path, monkeypatch, 'session-8', 100)
    files.append(texts, sync=True)
    _, members = files.compact()
    recorded = files.scan().summary()
    data = bytearray(files.packed.read_bytes())
    middle = (members[2][0] + members[3][0]) // 2
    data[middle:middle + 40] = bytes(40)  # damage far before the tail: never read
    files.packed.write_bytes(bytes(data))
    with pytest.raises(ValueError):
        files.scan()
    tail = files.finished(len(stored), recorded, members)
    assert tail is not None
    lines, skipped = choose(tail, 40)
    assert skipped == len(stored) - len(lines) and lines[-1].type == 'exit'
    with pytest.raises(ValueError):
        list(tail.lines[:100])  # the earlier lines, read when they are needed, say they are damaged


async def test_a_restarted_archive_loads_a_finished_session_as_a_whole_read_would(tmp_path, monkeypatch):
    from aod_ui.archive import Archive
    monkeypatch.setattr(_files, 'MEMBER_LINES', 100)
    core.loop = asyncio.get_running_loop()
    stored = two_turns(300)
    archive = Archive(tmp_path)
    archive.open()
    log = archive.log('session-9')
    await log.load(40)
    for cursor, payload in stored:
        log.append(cursor, payload)
    await log.finish({'changes': {'files': 0}})
    assert archive.meta('session-9')['seen']['turns_at'] == [2, 304]
    assert [lines for _, lines in archive.meta('session-9')['members']] == [100] * 6 + [6]
    seeds = []
    for recorded in (True, False):
        again = Archive(tmp_path)
        again.open()
        if not recorded:  # as archives finished before what resuming needs was recorded
            meta = again.meta('session-9')
            del meta['seen'], meta['members']
            SessionFiles(tmp_path, 'session-9').write_meta(meta)
            again = Archive(tmp_path)
            again.open()
        seed = await again.log('session-9').load(40)
        seeds.append((seed, list(seed.earlier)))
    (tail, tail_earlier), (whole, whole_earlier) = seeds
    assert tail == dataclasses.replace(whole, earlier=tail.earlier) and tail_earlier == whole_earlier
    assert tail.complete and tail.skipped > 0 and tail.turns_started == {1, 2}
    reread = await Archive(tmp_path).log('session-9').earlier(len(tail_earlier))
    assert list(reread) == tail_earlier


def test_a_read_meeting_the_sessions_compaction_gets_every_line_once(tmp_path, monkeypatch):
    files = SessionFiles(tmp_path, 'session-11')
    stored = two_turns(30)
    texts = [encode(c, e) for c, e in stored]
    files.append(texts[:20], sync=True)
    files.compact()
    files.append(texts[20:], sync=True)  # the session ends while a page or an API client reads its archive
    reader = SessionFiles(tmp_path, 'session-11')
    reads: list[str] = []

    def read(name: str, method):  # the second of the reader's two files is read after the compaction
        def wrapped(*args, **kwargs):
            reads.append(name)
            if len(reads) == 2:
                SessionFiles(tmp_path, 'session-11').compact()
            return method(*args, **kwargs)
        return wrapped
    monkeypatch.setattr(reader, '_packed_lines', read('packed', reader._packed_lines))
    monkeypatch.setattr(reader, '_log_lines', read('appended', reader._log_lines))
    assert list(reader.events()) == [e for _, e in stored] and len(reads) == 2
