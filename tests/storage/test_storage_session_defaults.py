"""A stored session record missing fields (written by an older version) reads with the same defaults as a new one,
and a bad record is refused with a sentence that names the field."""

from __future__ import annotations

import pytest

from storage import SessionRecord, memory_store

BASE = {'session_id': 's', 'agent_id': 'a', 'agent_name': 'n', 'prompt': 'p', 'owner': 'o'}


def test_a_sparse_stored_record_reads_with_the_defaults():
    stored = SessionRecord._from_stored({'session_id': 's-1'})
    fresh = SessionRecord(session_id='s-1', agent_id='', agent_name='', prompt='', owner='')
    for name in ('agent_id', 'agent_name', 'prompt', 'owner', 'visibility', 'labels', 'pinned', 'followups',
                 'resources', 'title'):
        assert getattr(stored, name) == getattr(fresh, name), name
    assert (stored.visibility, stored.labels, stored.pinned, stored.title) == ('team', [], False, None)
    assert (stored.created_at, stored.origin, stored.timeout) == (0.0, None, None)  # no time known: the epoch


@pytest.mark.parametrize(('fields', 'error', 'message'), [
    ({'session_id': ''}, ValueError, 'a session record needs a session id'),
    ({'session_id': 's', 'prompt': 3}, TypeError, 'prompt must be text, not int'),
    ({'session_id': 's', 'title': 3}, TypeError, 'title must be text, not int'),
    ({'session_id': 's', 'origin': 3}, TypeError, 'origin must be text, not int'),
    ({'session_id': 's', 'labels': 'one'}, TypeError, 'labels must be a list of texts, not one text'),
    ({'session_id': 's', 'labels': [1]}, TypeError, 'a label must be text, not int'),
    ({'session_id': 's', 'visibility': 'public'}, ValueError, "visibility must be one of ('team', 'private'), not "
                                                              "'public'"),
    ({'session_id': 's', 'resources': ['x']}, TypeError, 'a resource must be a mapping, not str'),
])
def test_bad_records_are_refused_by_name(fields, error, message):
    with pytest.raises(error) as refusal:
        SessionRecord(**{**BASE, **fields})
    assert str(refusal.value) == message


def test_pinned_is_kept_as_a_bool():
    assert SessionRecord(**BASE, pinned=1).pinned is True  # type: ignore[arg-type]
    assert SessionRecord(**BASE, pinned=0).pinned is False  # type: ignore[arg-type]


def test_a_re_run_keeps_its_origin_and_timeout_through_the_store():
    store = memory_store()
    record = SessionRecord(**BASE, origin='ses_first', timeout='600')  # type: ignore[arg-type]
    assert (record.origin, record.timeout) == ('ses_first', 600) and type(record.timeout) is int
    assert (record.to_dict()['origin'], record.to_dict()['timeout']) == ('ses_first', 600)
    store.sessions.add(record)
    kept = store.sessions.get('s')
    assert (kept.origin, kept.timeout) == ('ses_first', 600) and kept == record
    assert SessionRecord(**BASE).timeout is None
