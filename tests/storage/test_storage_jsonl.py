"""`JsonlTable`, the append-only table the audit trail is kept in: the `AppendOnlyTable` rules the other tables keep
(a key stored once, JSON only, refusals before anything is written), its documents keyed by one of their fields, and
a file read again once the documents it opened with were handed out."""

from __future__ import annotations

from pathlib import Path

import pytest

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
