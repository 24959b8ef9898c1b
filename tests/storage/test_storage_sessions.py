"""SessionRecords, on TinyDB and in memory."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from storage import FollowUp, SessionRecord, Store


def make_record(session_id: str = 'ses_1', **fields: object) -> SessionRecord:
    """A session record with plausible values, overridden by `fields`."""
    values: dict[str, object] = {
        'agent_id': 'agt_1', 'agent_name': 'Code reviewer', 'prompt': 'Review the open pull request', 'owner': 'alice',
        'created_at': 1_700_000_000.0,
    }
    values.update(fields)
    return SessionRecord(session_id=session_id, **values)  # type: ignore[arg-type]


def test_round_trip_keeps_every_field(store: Store, reopen: Callable[[], Store]) -> None:
    record = make_record(
        visibility='private', labels=['urgent', 'infra'], pinned=True, title='Nightly fix',
        followups=[FollowUp(turn=2, prompt='and the tests', by='bob', at=1_700_000_100.0)],
        resources=[{'type': 'github_repository', 'url': 'https://github.com/o/r', 'mount_path': '/repo'}])
    store.sessions.add(record)
    assert store.sessions.get('ses_1') == record
    assert reopen().sessions.get('ses_1') == record


def test_to_dict_and_from_dict_are_inverse() -> None:
    record = make_record(labels=['a'], followups=[FollowUp(turn=2, prompt='p', by='bob', at=1.5)])
    data = record.to_dict()
    assert data['followups'] == [{'turn': 2, 'prompt': 'p', 'by': 'bob', 'at': 1.5}]
    assert SessionRecord.from_dict(data) == record
    assert SessionRecord.from_dict({**data, 'unknown_later_field': 1}) == record


def test_missing_session_reads_as_none_and_changes_nothing(store: Store) -> None:
    assert store.sessions.get('nope') is None
    assert store.sessions.update('nope', title='x') is None
    assert store.sessions.set_pinned('nope', True) is None
    assert store.sessions.add_followup('nope', prompt='p', by='bob') is None
    assert store.sessions.remove('nope') is False
    assert store.sessions.count() == 0


def test_a_session_has_one_record(store: Store) -> None:
    store.sessions.add(make_record())
    with pytest.raises(ValueError, match='already has a record'):
        store.sessions.add(make_record(prompt='another'))
    assert store.sessions.get('ses_1') == make_record()


def test_all_is_newest_first(store: Store, reopen: Callable[[], Store]) -> None:
    for number, created in enumerate([30.0, 10.0, 20.0]):
        store.sessions.add(make_record(f'ses_{number}', created_at=created))
    assert [record.session_id for record in store.sessions.all()] == ['ses_0', 'ses_2', 'ses_1']
    assert [record.session_id for record in reopen().sessions.all()] == ['ses_0', 'ses_2', 'ses_1']
    assert store.sessions.count() == 3


def test_get_many_returns_those_that_exist(store: Store) -> None:
    store.sessions.add(make_record('a'))
    store.sessions.add(make_record('b'))
    found = store.sessions.get_many(['b', 'missing', 'a'])
    assert set(found) == {'a', 'b'}
    assert found['b'] == make_record('b')
    assert store.sessions.get_many([]) == {}


def test_update_changes_only_the_given_fields(store: Store, reopen: Callable[[], Store]) -> None:
    store.sessions.add(make_record())
    updated = store.sessions.update('ses_1', title='Short name', visibility='private')
    assert updated == make_record(title='Short name', visibility='private')
    assert reopen().sessions.get('ses_1') == updated


def test_update_refuses_unknown_fields_bad_values_and_the_key(store: Store) -> None:
    store.sessions.add(make_record())
    with pytest.raises(TypeError):
        store.sessions.update('ses_1', colour='red')
    with pytest.raises(TypeError, match='^the session id of a record cannot change$'):
        store.sessions.update('ses_1', session_id='ses_2')
    with pytest.raises(ValueError):
        store.sessions.update('ses_1', visibility='public')
    with pytest.raises(TypeError):
        store.sessions.set_labels('ses_1', [1, 2])  # type: ignore[list-item]
    with pytest.raises(TypeError, match='^labels must be a list of texts, not one text$'):
        store.sessions.set_labels('ses_1', 'urgent')
    with pytest.raises(TypeError):
        store.sessions.update('ses_1', labels='urgent')
    assert store.sessions.get('ses_1') == make_record()


def test_setters(store: Store, reopen: Callable[[], Store]) -> None:
    store.sessions.add(make_record())
    assert store.sessions.set_owner('ses_1', 'carol') == make_record(owner='carol')
    assert store.sessions.set_pinned('ses_1', True) == make_record(owner='carol', pinned=True)
    assert store.sessions.set_labels('ses_1', ('x', 'y')) == make_record(owner='carol', pinned=True, labels=['x', 'y'])
    assert reopen().sessions.get('ses_1') == make_record(owner='carol', pinned=True, labels=['x', 'y'])


def test_add_followup_numbers_turns_after_the_last(store: Store, reopen: Callable[[], Store]) -> None:
    store.sessions.add(make_record())
    store.sessions.add_followup('ses_1', prompt='second', by='bob', at=5.0)
    store.sessions.add_followup('ses_1', prompt='fifth', by='carol', turn=5, at=6.0)
    record = store.sessions.add_followup('ses_1', prompt='sixth', by='alice', at=7.0)
    expected = [FollowUp(turn=2, prompt='second', by='bob', at=5.0),
                FollowUp(turn=5, prompt='fifth', by='carol', at=6.0),
                FollowUp(turn=6, prompt='sixth', by='alice', at=7.0)]
    assert record is not None
    assert record.followups == expected
    reopened = reopen().sessions.get('ses_1')
    assert reopened is not None and reopened.followups == expected


def test_add_followup_defaults_to_now(store: Store) -> None:
    store.sessions.add(make_record())
    record = store.sessions.add_followup('ses_1', prompt='more', by='bob')
    assert record is not None and record.followups[0].at > 1_700_000_000


def test_add_many_stores_all_or_nothing(store: Store, reopen: Callable[[], Store]) -> None:
    store.sessions.add(make_record('b'))
    with pytest.raises(ValueError, match=r'1 sessions already have a record, for example b$'):
        store.sessions.add_many([make_record('a'), make_record('b', prompt='other')])
    with pytest.raises(ValueError, match='twice'):
        store.sessions.add_many([make_record('a'), make_record('a')])
    assert [record.session_id for record in store.sessions.all()] == ['b']
    store.sessions.add_many([make_record('a', created_at=2.0), make_record('c', created_at=1.0)])
    store.sessions.add_many([])
    assert [record.session_id for record in reopen().sessions.all()] == ['b', 'a', 'c']


def test_remove_and_remove_many(store: Store, reopen: Callable[[], Store]) -> None:
    for session_id in 'abcd':
        store.sessions.add(make_record(session_id))
    assert store.sessions.remove('a') is True
    assert store.sessions.remove('a') is False
    assert store.sessions.remove_many(['b', 'c', 'c', 'missing']) == 2
    assert store.sessions.remove_many([]) == 0
    assert [record.session_id for record in reopen().sessions.all()] == ['d']


def test_tokens_are_never_stored_in_resources(store: Store, reopen: Callable[[], Store]) -> None:
    store.sessions.add(make_record(resources=[
        {'type': 'github_repository', 'url': 'https://github.com/o/r', 'authorization_token': 'ghp_secret',
         'Token': 'x', 'client_secret': 'y'}]))
    for sessions in (store.sessions, reopen().sessions):
        record = sessions.get('ses_1')
        assert record is not None
        assert record.resources == [{'type': 'github_repository', 'url': 'https://github.com/o/r'}]
    if store.data_dir is not None:
        assert b'ghp_secret' not in (store.data_dir / 'sessions.db.json').read_bytes()


def test_returned_records_are_copies(store: Store) -> None:
    store.sessions.add(make_record(labels=['a'], resources=[{'type': 't', 'nested': {'k': [1]}}],
                                   followups=[FollowUp(turn=2, prompt='p', by='b', at=1.0)]))
    record = store.sessions.get('ses_1')
    assert record is not None
    record.labels.append('changed')
    record.resources[0]['nested']['k'].append(2)
    record.followups.clear()
    record.title = 'changed'
    for again in (store.sessions.get('ses_1'), store.sessions.all()[0], store.sessions.get_many(['ses_1'])['ses_1']):
        assert again == make_record(labels=['a'], resources=[{'type': 't', 'nested': {'k': [1]}}],
                                    followups=[FollowUp(turn=2, prompt='p', by='b', at=1.0)])


def test_records_handed_in_are_copied(store: Store) -> None:
    labels = ['a']
    record = make_record(labels=labels)
    store.sessions.add(record)
    labels.append('b')
    record.labels.append('c')
    stored = store.sessions.get('ses_1')
    assert stored is not None and stored.labels == ['a']


def test_record_checks_its_fields() -> None:
    with pytest.raises(ValueError):
        make_record('')
    with pytest.raises(ValueError):
        make_record(visibility='everyone')
    with pytest.raises(TypeError):
        make_record(owner=None)
    with pytest.raises(TypeError):
        make_record(resources=['not a mapping'])


def test_five_thousand_records(store: Store, reopen: Callable[[], Store]) -> None:
    # Correctness at the expected size; speed is measured by the benchmarks, not asserted here.
    records = [make_record(f'ses_{number:05d}', created_at=float(number), labels=['l'],
                           followups=[FollowUp(turn=2, prompt='p', by='bob', at=1.0)])
               for number in range(5000)]
    for record in records[:3]:
        store.sessions.add(record)
    store.sessions.add_many(records[3:])
    everything = store.sessions.all()
    assert len(everything) == 5000
    assert everything[0] == records[-1] and everything[-1] == records[0]
    assert store.sessions.set_pinned('ses_02500', True) == make_record(
        'ses_02500', created_at=2500.0, labels=['l'], pinned=True,
        followups=[FollowUp(turn=2, prompt='p', by='bob', at=1.0)])
    reopened = reopen().sessions
    assert reopened.count() == 5000
    assert reopened.all() == [*everything[:2499], store.sessions.get('ses_02500'), *everything[2500:]]
