"""`JsonlTable`, the append-only table the audit trail is kept in: the `AppendOnlyTable` rules the other tables keep
(a key stored once, JSON only, refusals before anything is written), its documents keyed by one of their fields, and
a file read again once the documents it opened with were handed out."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from aod_ui.errors import StorageError
from storage import AppendOnlyTable, JsonlTable, MemoryTable


def table_at(path: Path) -> JsonlTable:
    return JsonlTable(path, key='id', kind='test log', schema=1, item='a test entry')


@pytest.fixture(params=['jsonl', 'memory'])
def table(request: pytest.FixtureRequest, tmp_path: Path) -> AppendOnlyTable:
    return table_at(tmp_path / 'log.jsonl') if request.param == 'jsonl' else MemoryTable()


def test_documents_are_stored_once_per_key_in_order(table: AppendOnlyTable) -> None:
    assert table.insert('2', {'id': 2, 'text': 'first'})
    assert table.insert('1', {'id': 1, 'text': 'second', 'tags': ['a']})
    assert not table.insert('2', {'id': 2, 'text': 'again'})
    assert table.count() == 2
    assert [document['text'] for document in table.all()] == ['first', 'second']


def test_what_json_cannot_hold_is_refused_before_anything_is_written(table: AppendOnlyTable) -> None:
    with pytest.raises(TypeError):
        table.insert('1', {'id': 1, 'when': object()})
    with pytest.raises(TypeError):
        table.insert('1', {'id': 1, 'ratio': float('nan')})
    assert table.count() == 0 and table.all() == []


def test_a_document_must_carry_its_key(tmp_path: Path) -> None:
    table = table_at(tmp_path / 'log.jsonl')
    with pytest.raises(ValueError, match='id'):
        table.insert('1', {'id': 2})
    with pytest.raises(ValueError, match='id'):
        table.insert('1', {'text': 'no id'})
    assert (tmp_path / 'log.jsonl').read_bytes() == b'{"_meta":{"schema":1,"kind":"aod-ui test log"}}\n'


def test_a_reopened_file_has_every_document_and_key(tmp_path: Path) -> None:
    table = table_at(tmp_path / 'log.jsonl')
    table.insert('1', {'id': 1, 'text': 'é\nnext'})
    table.insert('x', {'id': 'x'})
    reopened = table_at(tmp_path / 'log.jsonl')
    assert reopened.count() == 2
    assert reopened.all() == [{'id': 1, 'text': 'é\nnext'}, {'id': 'x'}]  # the documents read when opening
    assert not reopened.insert('x', {'id': 'x'})
    assert reopened.insert('3', {'id': 3})
    assert reopened.all() == [{'id': 1, 'text': 'é\nnext'}, {'id': 'x'}, {'id': 3}]  # the file, read again
    assert table_at(tmp_path / 'log.jsonl').count() == 3


def test_a_line_without_its_key_is_damage(tmp_path: Path) -> None:
    path = tmp_path / 'log.jsonl'
    content = b'{"_meta":{"schema":1}}\n{"text":"no id"}\n'
    path.write_bytes(content)
    with pytest.raises(Exception, match='line 2 is not a test entry'):
        table_at(path)
    assert path.read_bytes() == content


def damaged(path: Path, reason: str) -> str:
    return (f'The test log {path} cannot be used: {reason}. The dashboard did not change it. Restore it from a '
            'backup, or move it aside to start a new one.')


@pytest.mark.parametrize(('content', 'reason'), [
    (b'', 'it is empty'),
    (b' \n', 'its first line is not a header'),
    (b'{"_meta":{"schema":1}}', 'it has no header line'),
    (b'{"id":1}\n', 'its first line is not a header'),
    (b'{"_meta":{"schema":0}}\n', 'its header has no valid schema version'),
    (b'{"_meta":{"schema":1}}\n[1]\n', 'line 2 is not a test entry (a JSON object was expected, not list)'),
    (b'{"_meta":{"schema":1}}\n{"id":1}\n"text"\n', 'line 3 is not a test entry (a JSON object was expected, not str)'),
    (b'{"_meta":{"schema":1}}\n{"text":"no id"}\n', "line 2 is not a test entry ('id')"),
    (b'{"_meta":{"schema":1}}\n{"id":1}\n{"text":"no id"}', "line 3 is not a test entry ('id')"),
])
def test_a_damaged_file_is_refused_with_the_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / 'log.jsonl'
    path.write_bytes(content)
    with pytest.raises(StorageError) as raised:
        table_at(path)
    assert str(raised.value) == damaged(path, reason)
    assert path.read_bytes() == content


def test_a_line_is_named_a_document_unless_the_table_says_what_it_holds(tmp_path: Path) -> None:
    path = tmp_path / 'log.jsonl'
    path.write_bytes(b'{"_meta":{"schema":1}}\n[1]\n')
    with pytest.raises(StorageError, match=r': line 2 is not a document \(a JSON object'):
        JsonlTable(path, key='id', kind='test log', schema=1)


def test_a_newer_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / 'log.jsonl'
    path.write_bytes(b'{"_meta":{"schema":3}}\n')
    with pytest.raises(StorageError) as raised:
        table_at(path)
    assert str(raised.value) == (
        f'The test log {path} was written by a newer version of the dashboard (schema 3; this version reads schema 1 '
        'and older). The dashboard did not change it. Run the newer version, or move the file aside to start a new '
        'one.')


def test_a_file_that_cannot_be_created_or_read_is_refused_with_the_reason(tmp_path: Path) -> None:
    missing = tmp_path / 'missing' / 'log.jsonl'
    with pytest.raises(StorageError) as raised:
        table_at(missing)
    assert str(raised.value) == (f'The test log {missing} cannot be created ({os.strerror(errno.ENOENT)}). Check that '
                                 f'the dashboard may write to {missing.parent}.')
    folder = tmp_path / 'log.jsonl'
    folder.mkdir()
    with pytest.raises(StorageError) as raised:
        table_at(folder)
    assert str(raised.value) == (f'The test log {folder} cannot be read ({os.strerror(errno.EISDIR)}). Check that '
                                 'the dashboard may read and write it, or restore it from a backup.')


def test_the_first_all_hands_out_what_opening_read_and_later_ones_read_the_file(tmp_path: Path) -> None:
    path = tmp_path / 'log.jsonl'
    table_at(path).insert('1', {'id': 1})
    table = table_at(path)
    path.unlink()  # the documents read when opening need no second read
    assert table.all() == [{'id': 1}]
    with pytest.raises(StorageError) as raised:
        table.all()
    assert str(raised.value) == (f'The test log {path} cannot be read ({os.strerror(errno.ENOENT)}). Check that the '
                                 'dashboard may read it.')


def test_all_reads_only_the_part_of_the_file_the_table_wrote(tmp_path: Path) -> None:
    path = tmp_path / 'log.jsonl'
    table = table_at(path)
    table.insert('1', {'id': 1})
    with open(path, 'ab') as file:
        file.write(b'{"id":99}\n')
    assert table.all() == [{'id': 1}]


def test_a_file_changed_or_removed_by_someone_else_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / 'log.jsonl'
    table = table_at(path)
    with open(path, 'ab') as file:
        file.write(b'{"id":99}\n')
    with pytest.raises(StorageError) as raised:
        table.insert('1', {'id': 1})
    assert str(raised.value) == (
        f'The test log {path} was changed by another program since the dashboard opened it, so the dashboard did not '
        f'write to it. Make sure only one dashboard uses {tmp_path}, then restart it.')
    path.unlink()
    with pytest.raises(StorageError) as raised:
        table.insert('1', {'id': 1})
    assert str(raised.value) == (
        f'The test log {path} cannot be opened ({os.strerror(errno.ENOENT)}), so nothing was added to it. Check that '
        'the file exists and the dashboard may write it.')


def test_a_failed_write_is_reported_even_when_its_clean_up_fails(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / 'log.jsonl'
    table = table_at(path)

    def fail(*args: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, 'write', fail)
    monkeypatch.setattr(os, 'ftruncate', fail)
    with pytest.raises(StorageError) as raised:
        table.insert('1', {'id': 1})
    assert str(raised.value) == (f'The test log {path} could not be written ({os.strerror(errno.ENOSPC)}), so '
                                 'nothing was added to it. Check free disk space.')
    monkeypatch.undo()
    assert table.count() == 0


def test_a_repaired_last_line_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / 'log.jsonl'
    path.write_bytes(b'{"_meta":{"schema":1}}\n{"id":1}\n{"id":2}')
    with caplog.at_level(logging.WARNING, logger='storage._jsonl'):
        table_at(path)
        path.write_bytes(b'{"_meta":{"schema":1}}\n{"id":1}\n{"id":2,"te')
        table_at(path)
    assert [record.getMessage() for record in caplog.records] == [
        f'{path}: completed the last line, which lacked its newline',
        f'{path}: removed an incomplete last line (11 bytes) left by an interrupted write']


def test_a_torn_last_line_that_cannot_be_cut_off_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / 'log.jsonl'
    content = b'{"_meta":{"schema":1}}\n{"id":1}\n{"id":2,"te'
    path.write_bytes(content)

    def refuse(*args: Any) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(os, 'truncate', refuse)
    with pytest.raises(StorageError) as raised:
        table_at(path)
    assert str(raised.value) == (f'The test log {path} ends with an incomplete line that cannot be repaired '
                                 f'({os.strerror(errno.EACCES)}). Check that the dashboard may write it.')
    assert path.read_bytes() == content
