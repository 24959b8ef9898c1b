"""Audit exports take every filter the query takes, and an entry read back from its dictionary is the same entry."""

from __future__ import annotations

import json

import pytest

from storage import AuditEntry, memory_store


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
    with pytest.raises(ValueError, match="unknown outcome 'maybe'"):
        AuditEntry.from_dict({'id': 1, 'at': 1, 'actor': 'a', 'action': 'b', 'outcome': 'maybe'})


def test_bad_entries_and_queries_are_refused_with_reasons(log):
    with pytest.raises(ValueError, match='an audit entry needs an actor and an action'):
        log.append('', 'login')
    with pytest.raises(ValueError, match='outcome must be one of'):
        log.append('ada', 'login', outcome='maybe')  # type: ignore[arg-type]
    with pytest.raises(ValueError, match='limit and offset cannot be negative'):
        log.query(offset=-1)
    assert log.append('ada', 'logout').detail == ''
    assert [e.id for e in log.query(offset=2, limit=2)] == [3, 2]
    assert len(log.query()) == 5
