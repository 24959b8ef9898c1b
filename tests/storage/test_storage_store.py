"""The entry points: `open_store`, `memory_store`, `run_io`, and the read-only values behind the caches."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

import storage
from storage import (
    AUDIT_FILE,
    SESSIONS_FILE,
    STATE_FILE,
    USERS_FILE,
    AuditLog,
    KeyValue,
    SessionRecords,
    Users,
    memory_store,
    open_store,
    run_io,
)
from storage._json import FrozenDict, freeze, thaw


def test_open_store_makes_the_folder_and_its_files(tmp_path: Path) -> None:
    data_dir = tmp_path / 'nested' / 'data'
    store = open_store(data_dir)
    assert store.data_dir == data_dir
    assert sorted(entry.name for entry in data_dir.iterdir()) == sorted(
        [SESSIONS_FILE, USERS_FILE, STATE_FILE, AUDIT_FILE])
    assert all(name.endswith(('.db.json', '.db.jsonl')) for name in [SESSIONS_FILE, USERS_FILE, STATE_FILE, AUDIT_FILE])
    store.close()


def test_both_stores_offer_the_same_interfaces(tmp_path: Path) -> None:
    for store in (open_store(tmp_path), memory_store()):
        assert isinstance(store.sessions, SessionRecords)
        assert isinstance(store.users, Users)
        assert isinstance(store.audit, AuditLog)
        assert isinstance(store.kv, KeyValue)
    assert memory_store().data_dir is None


def test_each_kind_of_data_has_its_own_file(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.kv.set('retention', {'done': 1})
    store.users.add(storage.User(username='alice'))
    assert b'retention' in (tmp_path / STATE_FILE).read_bytes()
    assert b'alice' in (tmp_path / USERS_FILE).read_bytes()
    assert b'retention' not in (tmp_path / SESSIONS_FILE).read_bytes()


def test_public_names_are_exported() -> None:
    assert all(hasattr(storage, name) for name in storage.__all__)


async def test_run_io_runs_in_a_worker_thread() -> None:
    def where(value: int, *, plus: int) -> tuple[int, str]:
        return value + plus, threading.current_thread().name

    result, thread = await run_io(where, 1, plus=2)
    assert result == 3
    assert thread != threading.current_thread().name


async def test_run_io_passes_errors_on() -> None:
    store = memory_store()
    with pytest.raises(ValueError):
        await run_io(store.audit.append, '', 'action')


def test_frozen_values_refuse_every_change() -> None:
    frozen = freeze({'map': {'a': 1}, 'list': [1, [2]]})
    inner = frozen['map']
    assert isinstance(inner, FrozenDict)
    for change in (lambda: inner.__setitem__('b', 2), lambda: inner.__delitem__('a'), inner.clear,
                   lambda: inner.pop('a'), inner.popitem, lambda: inner.setdefault('b', 2),
                   lambda: inner.update(b=2)):
        with pytest.raises(TypeError):
            change()
    with pytest.raises(TypeError):
        inner |= {'b': 2}
    assert frozen == {'map': {'a': 1}, 'list': (1, (2,))}
    assert thaw(frozen) == {'map': {'a': 1}, 'list': [1, [2]]}
    assert type(thaw(frozen)['map']) is dict


def _fill(store: storage.Store) -> None:
    store.sessions.add(storage.SessionRecord(session_id='s1', agent_id='a1', agent_name='Agent', prompt='hi',
                                             owner='alice'))
    store.users.add(storage.User(username='alice'))
    store.kv.set('retention', {'done': 1})
    store.api_tokens.add(storage.ApiToken(id='t1', owner='alice', name='ci', digest='a' * 64, prefix='aodui_pat_a…',
                                          scopes=('read',), created_at=100.0, expires_at=200.0))
    store.audit.append('alice', 'login')


def _read_back(store: storage.Store) -> None:
    assert [record.session_id for record in store.sessions.all()] == ['s1']
    assert [user.username for user in store.users.all()] == ['alice']
    assert store.kv.get('retention') == {'done': 1}
    assert [token.id for token in store.api_tokens.all()] == ['t1']
    assert [(entry.actor, entry.action) for entry in store.audit.query()] == [('alice', 'login')]


def test_a_memory_store_keeps_every_kind_of_data() -> None:
    store = memory_store()
    _fill(store)
    _read_back(store)
    assert memory_store().api_tokens.all() == []  # each store has its own tokens
    store.close()


def test_every_kind_of_data_survives_a_restart_in_the_tables_earlier_versions_wrote(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    _fill(store)
    store.close()
    # The table names are the files' format: a dashboard reading other names would lose what earlier ones stored.
    tables = {name: set(json.loads((tmp_path / name).read_text())) - {'_meta'}
              for name in (SESSIONS_FILE, USERS_FILE, STATE_FILE)}
    assert tables == {SESSIONS_FILE: {'sessions'}, USERS_FILE: {'users', 'api_tokens'}, STATE_FILE: {'kv'}}
    again = open_store(tmp_path)
    _read_back(again)
    again.close()
