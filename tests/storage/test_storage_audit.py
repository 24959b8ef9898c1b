"""AuditLog, on its JSON-lines file and in memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest

from storage import CSV_COLUMNS, AuditEntry, Store


def fill(store: Store) -> None:
    """Five entries at times 10, 20, ... 50."""
    store.audit.append('alice', 'session.launch', session_id='ses_1', detail='Launched Code reviewer', at=10.0)
    store.audit.append('bob', 'session.prompt', session_id='ses_1', outcome='denied', detail='not the owner', at=20.0)
    store.audit.append('alice', 'session.stop', session_id='ses_1', at=30.0)
    store.audit.append('system', 'retention.delete', session_id='ses_2', outcome='error', detail='AoD timed out',
                       at=40.0)
    store.audit.append('alice', 'user.role', target='bob', detail='member -> admin', at=50.0)


def ids(entries: list[AuditEntry]) -> list[int]:
    return [entry.id for entry in entries]


def test_append_returns_the_stored_entry(store: Store, reopen: Callable[[], Store]) -> None:
    entry = store.audit.append('alice', 'session.launch', session_id='ses_1', target='agt_1', detail='ok', at=12.5)
    assert entry == AuditEntry(id=1, at=12.5, actor='alice', action='session.launch', session_id='ses_1',
                               target='agt_1', outcome='ok', detail='ok')
    assert reopen().audit.query() == [entry]
    assert AuditEntry.from_dict(entry.to_dict()) == entry


def test_ids_increase_across_restarts(store: Store, reopen: Callable[[], Store]) -> None:
    assert ids([store.audit.append('alice', 'a') for _ in range(3)]) == [1, 2, 3]
    reopened = reopen()
    assert reopened.audit.append('alice', 'b').id == 4


def test_append_defaults_to_now(store: Store) -> None:
    assert store.audit.append('alice', 'a').at > 1_700_000_000


def test_append_refuses_bad_entries(store: Store) -> None:
    with pytest.raises(ValueError):
        store.audit.append('', 'a')
    with pytest.raises(ValueError):
        store.audit.append('alice', '')
    with pytest.raises(ValueError):
        store.audit.append('alice', 'a', outcome='maybe')  # type: ignore[arg-type]
    assert store.audit.count() == 0


def test_query_is_newest_first_with_limit_and_offset(store: Store) -> None:
    fill(store)
    assert ids(store.audit.query()) == [5, 4, 3, 2, 1]
    assert ids(store.audit.query(limit=2)) == [5, 4]
    assert ids(store.audit.query(limit=2, offset=2)) == [3, 2]
    assert ids(store.audit.query(offset=4)) == [1]
    assert store.audit.query(offset=5) == []
    assert store.audit.query(limit=0) == []
    assert ids(store.audit.query(limit=None)) == [5, 4, 3, 2, 1]
    with pytest.raises(ValueError):
        store.audit.query(offset=-1)


@pytest.mark.parametrize(('filters', 'expected'), [
    ({'actor': 'alice'}, [5, 3, 1]),
    ({'action': 'session.prompt'}, [2]),
    ({'session_id': 'ses_1'}, [3, 2, 1]),
    ({'outcome': 'denied'}, [2]),
    ({'outcome': 'error'}, [4]),
    ({'since': 20.0}, [5, 4, 3, 2]),
    ({'until': 20.0}, [1]),
    ({'since': 20.0, 'until': 40.0}, [3, 2]),
    ({'text': 'OWNER'}, [2]),
    ({'text': 'ses_2'}, [4]),
    ({'text': 'bob'}, [5, 2]),
    ({'text': 'retention'}, [4]),
    ({'actor': 'alice', 'session_id': 'ses_1', 'since': 15.0}, [3]),
    ({'actor': 'nobody'}, []),
])
def test_filters(store: Store, filters: dict[str, object], expected: list[int]) -> None:
    fill(store)
    assert ids(store.audit.query(**filters)) == expected  # type: ignore[arg-type]
    assert store.audit.count(**filters) == len(expected)  # type: ignore[arg-type]


def test_filters_with_paging(store: Store) -> None:
    fill(store)
    assert ids(store.audit.query(actor='alice', limit=1, offset=1)) == [3]


def test_export_csv(store: Store) -> None:
    fill(store)
    rows = list(csv.reader(io.StringIO(store.audit.export_csv(actor='alice'))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [row[0] for row in rows[1:]] == ['1', '3', '5']  # oldest first
    assert rows[1] == ['1', '1970-01-01T00:00:10.000Z', '10.0', 'alice', 'session.launch', 'ok', 'ses_1', '',
                       'Launched Code reviewer']
    assert [row[0] for row in csv.reader(io.StringIO(store.audit.export_csv(limit=2)))][1:] == ['4', '5']


def test_export_csv_keeps_odd_text_intact_and_formulas_inert(store: Store) -> None:
    store.audit.append('alice', 'session.prompt', detail='line one\nline "two", with comma', at=1.0)
    store.audit.append('=HYPERLINK("http://evil")', 'session.prompt', target='+1', detail='@SUM(A1)', at=2.0)
    rows = list(csv.reader(io.StringIO(store.audit.export_csv())))
    assert rows[1][8] == 'line one\nline "two", with comma'
    assert (rows[2][3], rows[2][7], rows[2][8]) == ('\'=HYPERLINK("http://evil")', "'+1", "'@SUM(A1)")


def test_export_jsonl(store: Store) -> None:
    fill(store)
    lines = store.audit.export_jsonl(outcome='ok').splitlines()
    assert [AuditEntry.from_dict(json.loads(line)) for line in lines] == list(reversed(store.audit.query(outcome='ok')))
    assert store.audit.export_jsonl(actor='nobody') == ''


def test_returned_entries_cannot_change(store: Store) -> None:
    entry = store.audit.append('alice', 'a')
    with pytest.raises(AttributeError):
        entry.detail = 'rewritten'  # type: ignore[misc]
