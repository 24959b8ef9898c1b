"""Audit exports take every filter the query takes, and an entry read back from its dictionary is the same entry."""

from __future__ import annotations

import json

import pytest

from storage import AuditEntry, AuditLog, MemoryTable, memory_store


@pytest.fixture
def log():
    audit = memory_store().audit
    audit.append('ada', 'login', at=100.0, detail='from 10.0.0.1 — café')
    audit.append('olga', 'launch', session_id='s-1', at=200.0)
    audit.append('olga', 'stop', session_id='s-1', outcome='denied', target='max', at=300.0, detail='not the owner')
    audit.append('max', 'login', outcome='error', at=400.0)
    return audit


@pytest.mark.parametrize(('filters', 'ids'), [
    ({}, [1, 2, 3, 4]),
    ({'actor': 'olga'}, [2, 3]),
    ({'action': 'login'}, [1, 4]),
    ({'session_id': 's-1'}, [2, 3]),
    ({'outcome': 'denied'}, [3]),
    ({'since': 200.0}, [2, 3, 4]),
    ({'until': 200.0}, [1]),  # until excludes its own moment
    ({'text': 'owner'}, [3]),
    ({'text': 'max'}, [3, 4]),  # the target is searched too
    ({'limit': 2}, [3, 4]),  # the newest two, oldest first
])
def test_exports_take_every_filter(log, filters, ids):
    lines = log.export_jsonl(**filters).splitlines()
    assert [json.loads(line)['id'] for line in lines] == ids
    rows = log.export_csv(**filters).splitlines()[1:]
    assert [int(row.split(',')[0]) for row in rows] == ids


def test_the_jsonl_export_keeps_text_as_written(log):
    first = log.export_jsonl(limit=None).splitlines()[0]
    assert 'café' in first and '—' in first


def test_an_entry_survives_its_dictionary_and_defaults_what_is_missing():
    entry = AuditEntry(id=3, at=300.0, actor='olga', action='stop', session_id='s-1', target='max', outcome='denied',
                       detail='not the owner')
    assert AuditEntry.from_dict(entry.to_dict()) == entry
    bare = AuditEntry.from_dict({'id': '4', 'at': '400', 'actor': 'max', 'action': 'login'})
    assert (bare.id, bare.at, bare.outcome, bare.detail, bare.session_id, bare.target) == (4, 400.0, 'ok', '', None,
                                                                                          None)
    with pytest.raises(ValueError, match="^unknown outcome 'maybe'$"):
        AuditEntry.from_dict({'id': 1, 'at': 1, 'actor': 'a', 'action': 'b', 'outcome': 'maybe'})


def test_bad_entries_and_queries_are_refused_with_reasons(log):
    with pytest.raises(ValueError, match='^an audit entry needs an actor and an action$'):
        log.append('', 'login')
    with pytest.raises(ValueError, match=r"^outcome must be one of \('ok', 'denied', 'error'\), not 'maybe'$"):
        log.append('ada', 'login', outcome='maybe')  # type: ignore[arg-type]
    with pytest.raises(ValueError, match='^limit and offset cannot be negative$'):
        log.query(offset=-1)
    assert log.append('ada', 'logout').detail == ''
    assert [e.id for e in log.query(offset=2, limit=2)] == [3, 2]
    assert len(log.query()) == 5


def test_a_query_gives_the_newest_500_unless_told_and_skips_exactly_the_offset():
    audit = memory_store().audit
    for number in range(502):
        audit.append('ada' if number % 2 else 'olga', 'login', at=float(number))
    audit.append('max', 'login', at=1000.0)
    assert [e.id for e in audit.query()] == list(range(503, 3, -1))  # no filter: the newest 500
    assert len(audit.query(action='login')) == 500  # with a filter too
    assert [e.id for e in audit.query(actor='ada', offset=3, limit=2)] == [496, 494]
    assert [e.id for e in audit.query(text='ada', offset=250, limit=None)] == [2]


def test_an_id_the_table_already_holds_is_refused_by_number():
    table = MemoryTable()
    audit = AuditLog(table)
    table.insert('1', {'id': 1, 'at': 1.0, 'actor': 'ada', 'action': 'login'})  # written behind the log's back
    with pytest.raises(ValueError, match='^the audit trail already has an entry 1$'):
        audit.append('olga', 'login')


def test_the_audit_file_names_its_kind_and_refuses_a_line_that_is_not_an_entry(tmp_path):
    from aod_ui.errors import StorageError
    from storage import audit_table
    path = tmp_path / 'audit.jsonl'
    AuditLog(audit_table(path)).append('ada', 'login', at=1.0)
    assert json.loads(path.read_text().splitlines()[0]) == {'_meta': {'schema': 1, 'kind': 'aod-ui audit log'}}
    with path.open('a') as file:
        file.write(json.dumps({'id': 2, 'at': 2.0}) + '\n')  # no actor, no action
    with pytest.raises(StorageError) as refusal:
        audit_table(path)
    assert f'The audit log {path} cannot be used: line 3 is not an audit entry (' in str(refusal.value)


def test_filters_all_at_once_and_text_never_matches_across_fields_or_missing_ones(log):
    assert [e.id for e in log.query(actor='olga', action='stop', session_id='s-1', outcome='denied', since=300.0,
                                    until=301.0)] == [3]
    assert [e.id for e in log.query(actor='olga', action='stop', session_id='s-1', outcome='denied', since=300.0,
                                    until=300.0)] == []
    assert log.query(text='xx') == [] and log.count(text='xx') == 0


def test_a_csv_row_leaves_a_missing_session_empty(log):
    rows = [row.split(',') for row in log.export_csv(actor='max').splitlines()[1:]]
    assert rows[0][6:9] == ['', '', '']
