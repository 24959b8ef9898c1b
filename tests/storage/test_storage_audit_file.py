"""The audit log's JSON-lines file (`audit_table`, a `JsonlTable`): one fsynced line per entry, a torn last line
repaired, anything else damaged refused and left alone, files written before read and appended to as they were."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from aod_ui.errors import StorageError
from storage import AUDIT_FILE, AuditLog, audit_table


def audit_log(path: Path) -> AuditLog:
    """The audit trail on its file, as `open_store` opens it."""
    return AuditLog(audit_table(path))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / AUDIT_FILE


def written(path: Path, count: int) -> bytes:
    log = audit_log(path)
    for number in range(count):
        log.append('alice', 'session.launch', session_id=f'ses_{number}', at=float(number))
    return path.read_bytes()


def test_the_file_has_a_header_and_one_line_per_entry(path: Path) -> None:
    content = written(path, 2)
    lines = content.decode().splitlines()
    assert json.loads(lines[0]) == {'_meta': {'schema': 1, 'kind': 'aod-ui audit log'}}
    assert [json.loads(line)['id'] for line in lines[1:]] == [1, 2]
    assert content.endswith(b'\n')
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_newline_in_the_detail_stays_on_one_line(path: Path) -> None:
    log = audit_log(path)
    log.append('alice', 'session.prompt', detail='first\nsecond\u2028third')
    assert len(path.read_bytes().splitlines()) == 2
    assert audit_log(path).query()[0].detail == 'first\nsecond\u2028third'


def test_each_append_is_synced(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = audit_log(path)
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        synced.append(descriptor)
        real_fsync(descriptor)

    monkeypatch.setattr(os, 'fsync', fsync)
    log.append('alice', 'a')
    log.append('alice', 'b')
    assert len(synced) == 2


@pytest.mark.parametrize('torn', [b'{"id":3,"at":2.0,"act', b'{', b'\x00\x00\x00', b'{"id":3,"at":2.0,"actor":"al\xc3'])
def test_a_torn_last_line_is_cut_off(path: Path, torn: bytes) -> None:
    content = written(path, 2)
    path.write_bytes(content + torn)
    log = audit_log(path)
    assert [entry.id for entry in log.query()] == [2, 1]
    assert path.read_bytes() == content
    assert log.append('bob', 'next').id == 3
    assert [entry.id for entry in audit_log(path).query()] == [3, 2, 1]


def test_a_whole_last_line_without_its_newline_is_kept(path: Path) -> None:
    content = written(path, 2)
    path.write_bytes(content[:-1])
    log = audit_log(path)
    assert [entry.id for entry in log.query()] == [2, 1]
    assert path.read_bytes() == content
    log.append('bob', 'next')
    assert [entry.id for entry in audit_log(path).query()] == [3, 2, 1]


@pytest.mark.parametrize(('content', 'reason'), [
    (b'', 'empty'),
    (b'{"id":1}\n', 'header'),
    (b'not json\n', 'header'),
    (b'{"_meta":{"schema":1}}\nnot json\n{"id":2,"at":1,"actor":"a","action":"b"}\n', 'line 2'),
    (b'{"_meta":{"schema":1}}\n{"id":"x","at":1,"actor":"a","action":"b"}\n', 'line 2'),
    (b'{"_meta":{"schema":1}}\n[1]\n', 'line 2'),
    (b'{"_meta":{"schema":1}}\n{"id":1,"at":1,"actor":"a","action":"b","outcome":"maybe"}', 'line 2'),
    (b'{"_meta":{"schema":"one"}}\n', 'schema'),
])
def test_a_damaged_log_is_refused_and_left_alone(path: Path, content: bytes, reason: str) -> None:
    path.write_bytes(content)
    with pytest.raises(StorageError, match=reason) as raised:
        audit_log(path)
    assert str(path) in str(raised.value) and 'backup' in str(raised.value)
    assert path.read_bytes() == content


def test_a_newer_log_is_refused_and_left_alone(path: Path) -> None:
    content = b'{"_meta":{"schema":2}}\n{"id":1,"new":"shape"}\n'
    path.write_bytes(content)
    with pytest.raises(StorageError, match='newer version'):
        audit_log(path)
    assert path.read_bytes() == content


def test_a_failed_append_leaves_no_partial_line(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = written(path, 1)
    log = audit_log(path)
    real_write = os.write

    def half_then_fail(descriptor: int, data: Any) -> int:
        real_write(descriptor, bytes(data[:10]))
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(os, 'write', half_then_fail)
    with pytest.raises(StorageError, match='No space left'):
        log.append('bob', 'lost')
    monkeypatch.undo()
    assert path.read_bytes() == content
    assert log.count() == 1
    assert log.append('bob', 'kept').id == 2
    assert [entry.action for entry in audit_log(path).query()] == ['kept', 'session.launch']


def test_a_failed_sync_is_not_acknowledged(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = written(path, 1)
    log = audit_log(path)

    def fail(descriptor: int) -> None:
        raise OSError(5, 'Input/output error')

    monkeypatch.setattr(os, 'fsync', fail)
    with pytest.raises(StorageError, match='could not be written'):
        log.append('bob', 'lost')
    monkeypatch.undo()
    assert path.read_bytes() == content
    assert log.count() == 1


def test_a_log_changed_by_someone_else_is_not_written(path: Path) -> None:
    written(path, 1)
    log = audit_log(path)
    with open(path, 'ab') as file:
        file.write(b'{"id":99,"at":1,"actor":"intruder","action":"x"}\n')
    with pytest.raises(StorageError, match='changed by another program'):
        log.append('bob', 'x')
    path.unlink()
    with pytest.raises(StorageError, match='cannot be opened'):
        log.append('bob', 'x')
    assert not path.exists()


def test_a_file_written_before_the_audit_table_is_read_and_appended_to_as_it_was(path: Path) -> None:
    before = (b'{"_meta":{"schema":1,"kind":"aod-ui audit log"}}\n'
              b'{"id":1,"at":10.5,"actor":"alice","action":"launch","session_id":"ses_1","target":null,'
              b'"outcome":"ok","detail":"agent \xc3\xa9"}\n'
              b'{"id":2,"at":20.0,"actor":"bob","action":"stop","session_id":"ses_1","target":null,'
              b'"outcome":"denied","detail":"not the owner"}\n')
    path.write_bytes(before)
    log = audit_log(path)
    assert [(e.id, e.actor, e.outcome, e.detail) for e in log.query()] == [(2, 'bob', 'denied', 'not the owner'),
                                                                          (1, 'alice', 'ok', 'agent é')]
    log.append('carol', 'delete', session_id='ses_1', target='x', at=30.0)
    assert path.read_bytes() == before + (b'{"id":3,"at":30.0,"actor":"carol","action":"delete","session_id":"ses_1",'
                                          b'"target":"x","outcome":"ok","detail":""}\n')
