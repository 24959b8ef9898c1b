"""The TinyDB files: created private, written atomically, served from memory, refused (and left alone) when damaged
or written by a newer dashboard, and upgraded through the migrations."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from aod_ui.errors import StorageError
from storage import SESSIONS_FILE, STATE_FILE, USERS_FILE, SessionRecord, Store, open_store
from storage._tinydb import AtomicJSONStorage

TINYDB_FILES = [SESSIONS_FILE, USERS_FILE, STATE_FILE]


def record(session_id: str) -> SessionRecord:
    return SessionRecord(session_id=session_id, agent_id='agt', agent_name='Agent', prompt='p', owner='alice',
                         created_at=1.0)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / 'data'


@pytest.fixture
def opened(data_dir: Path) -> Store:
    store = open_store(data_dir)
    store.sessions.add(record('ses_old'))
    return store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def temp_files(folder: Path) -> list[str]:
    return [entry.name for entry in folder.iterdir() if entry.name.endswith('.tmp')]


def test_missing_files_are_created_private_with_a_schema(data_dir: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        open_store(data_dir)
    finally:
        os.umask(old_umask)
    assert mode(data_dir) == 0o700
    for name in TINYDB_FILES:
        assert mode(data_dir / name) == 0o600
        assert json.loads((data_dir / name).read_bytes()) == {'_meta': {'schema': 1}}


def test_rewritten_files_stay_private(opened: Store, data_dir: Path) -> None:
    os.chmod(data_dir / SESSIONS_FILE, 0o644)
    opened.sessions.add(record('ses_new'))
    assert mode(data_dir / SESSIONS_FILE) == 0o600


def test_failed_rename_keeps_the_old_file_and_the_old_state(opened: Store, data_dir: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = data_dir / SESSIONS_FILE
    before = path.read_bytes()

    def crash(*args: Any) -> None:
        raise OSError(5, 'Input/output error')

    monkeypatch.setattr(os, 'replace', crash)
    with pytest.raises(StorageError, match='could not be saved') as raised:
        opened.sessions.add(record('ses_new'))
    assert str(path) in str(raised.value)
    assert path.read_bytes() == before
    assert temp_files(data_dir) == []
    assert opened.sessions.get('ses_new') is None  # what failed to reach the disk is not served from memory either
    assert [r.session_id for r in open_store(data_dir).sessions.all()] == ['ses_old']
    monkeypatch.undo()
    opened.sessions.add(record('ses_new'))
    assert {r.session_id for r in open_store(data_dir).sessions.all()} == {'ses_old', 'ses_new'}


def test_failed_fsync_keeps_the_old_file(opened: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = data_dir / SESSIONS_FILE
    before = path.read_bytes()

    def crash(descriptor: int) -> None:
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(os, 'fsync', crash)
    with pytest.raises(StorageError, match='No space left'):
        opened.sessions.set_pinned('ses_old', True)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert temp_files(data_dir) == []
    assert opened.sessions.get('ses_old') == record('ses_old')


def test_interrupted_write_leaves_the_old_file(opened: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As if the process died between writing the temporary file and renaming it: the temporary file stays behind.
    path = data_dir / SESSIONS_FILE
    before = path.read_bytes()

    def die(*args: Any) -> None:
        raise SystemExit('killed')

    monkeypatch.setattr(os, 'replace', die)
    monkeypatch.setattr(os, 'unlink', lambda *args: None)
    with pytest.raises(SystemExit):
        opened.sessions.add(record('ses_new'))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert temp_files(data_dir)
    reopened = open_store(data_dir)
    assert [r.session_id for r in reopened.sessions.all()] == ['ses_old']
    assert temp_files(data_dir) == []


def test_writes_are_synced_to_disk(opened: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[bool] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        synced.append(stat.S_ISDIR(os.fstat(descriptor).st_mode))
        real_fsync(descriptor)

    monkeypatch.setattr(os, 'fsync', fsync)
    opened.sessions.add(record('ses_new'))
    assert synced == [False, True]  # the new file, then the folder holding the rename


def test_reads_come_from_memory(opened: Store, data_dir: Path) -> None:
    (data_dir / SESSIONS_FILE).unlink()
    assert opened.sessions.get('ses_old') == record('ses_old')
    assert len(opened.sessions.all()) == 1


def test_a_file_changed_by_someone_else_is_not_overwritten(opened: Store, data_dir: Path) -> None:
    path = data_dir / SESSIONS_FILE
    foreign = json.dumps({'_meta': {'schema': 1}, 'sessions': {}}).encode()
    path.write_bytes(foreign)
    with pytest.raises(StorageError, match='changed or removed by another program'):
        opened.sessions.add(record('ses_new'))
    assert path.read_bytes() == foreign
    path.unlink()
    with pytest.raises(StorageError, match='changed or removed by another program'):
        opened.sessions.add(record('ses_new'))
    assert not path.exists()


DAMAGED = [
    pytest.param(b'', id='empty'),
    pytest.param(b'  \n', id='blank'),
    pytest.param(b'{"_meta": {"schema": 1}, "sessions": {"a": {"session_id": "a"', id='truncated'),
    pytest.param(b'\x00\x00\x00\x00', id='zeros'),
    pytest.param(b'\xff\xfe garbage \x80', id='not-utf8'),
    pytest.param(b'<html>not json</html>', id='not-json'),
    pytest.param(b'[1, 2, 3]', id='not-an-object'),
    pytest.param(b'{"sessions": {}}', id='no-schema'),
    pytest.param(b'{"_meta": {"schema": "1"}}', id='schema-not-a-number'),
    pytest.param(b'{"_meta": {"schema": 1}, "sessions": []}', id='table-not-an-object'),
    pytest.param(b'{"_meta": {"schema": 1}, "sessions": {"a": 5}}', id='document-not-an-object'),
    pytest.param(b'{"_meta": {"schema": 1}, "sessions": {"a": {"x": NaN}}}', id='nan'),
]


@pytest.mark.parametrize('name', TINYDB_FILES)
@pytest.mark.parametrize('content', DAMAGED)
def test_a_damaged_file_is_refused_and_left_alone(data_dir: Path, name: str, content: bytes) -> None:
    data_dir.mkdir(mode=0o700)
    path = data_dir / name
    path.write_bytes(content)
    with pytest.raises(StorageError) as raised:
        open_store(data_dir)
    message = str(raised.value)
    assert str(path) in message and 'backup' in message and 'move it aside' in message
    assert path.read_bytes() == content
    assert not [entry for entry in data_dir.iterdir() if name in entry.name and entry != path]


def test_a_newer_schema_is_refused_and_left_alone(data_dir: Path) -> None:
    data_dir.mkdir(mode=0o700)
    path = data_dir / SESSIONS_FILE
    content = json.dumps({'_meta': {'schema': 2}, 'sessions': {'a': {'session_id': 'a', 'new_field': 1}}}).encode()
    path.write_bytes(content)
    with pytest.raises(StorageError, match='newer version') as raised:
        open_store(data_dir)
    assert str(path) in str(raised.value)
    assert path.read_bytes() == content


def test_an_unreadable_file_is_refused(data_dir: Path) -> None:
    (data_dir / SESSIONS_FILE).mkdir(parents=True)
    with pytest.raises(StorageError, match='cannot be read'):
        open_store(data_dir)


def test_a_data_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / 'data').write_text('')
    with pytest.raises(StorageError, match='not a folder'):
        open_store(tmp_path / 'data')


def add_title(tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    for document in tables.get('sessions', {}).values():
        document['title'] = 'migrated'
    return tables


def test_an_older_schema_is_upgraded_after_a_backup(tmp_path: Path) -> None:
    path = tmp_path / SESSIONS_FILE
    original = json.dumps({'_meta': {'schema': 1}, 'sessions': {'a': {'session_id': 'a'}}}).encode()
    path.write_bytes(original)
    storage = AtomicJSONStorage(path, migrations=[add_title])
    assert storage.read() == {'sessions': {'a': {'session_id': 'a', 'title': 'migrated'}}}
    assert json.loads(path.read_bytes()) == {'_meta': {'schema': 2},
                                             'sessions': {'a': {'session_id': 'a', 'title': 'migrated'}}}
    backup = tmp_path / 'sessions.schema-1-backup.db.json'
    assert backup.read_bytes() == original
    assert mode(backup) == 0o600
    assert AtomicJSONStorage(path, migrations=[add_title]).read() == storage.read()  # once only


def test_a_file_runs_only_the_migrations_it_has_not_had(tmp_path: Path) -> None:
    """A file of schema 2 under three layouts' worth of migrations gets the last two, each once."""
    path = tmp_path / SESSIONS_FILE
    path.write_bytes(json.dumps({'_meta': {'schema': 2}, 'sessions': {'a': {'session_id': 'a', 'steps': []}}}).encode())

    def step(name: str):
        def run(tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
            for document in tables['sessions'].values():
                document['steps'].append(name)
            return tables
        return run
    AtomicJSONStorage(path, migrations=[step('1 to 2'), step('2 to 3'), step('3 to 4')])
    assert json.loads(path.read_bytes()) == {'_meta': {'schema': 4},
                                             'sessions': {'a': {'session_id': 'a', 'steps': ['2 to 3', '3 to 4']}}}


def test_a_failed_migration_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / SESSIONS_FILE
    original = json.dumps({'_meta': {'schema': 1}, 'sessions': {}}).encode()
    path.write_bytes(original)

    def broken(tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        raise KeyError('agent')

    with pytest.raises(StorageError, match='could not be upgraded from schema 1 to 2'):
        AtomicJSONStorage(path, migrations=[broken])
    assert path.read_bytes() == original
    assert sorted(entry.name for entry in tmp_path.iterdir()) == [SESSIONS_FILE]


def test_the_storage_hands_out_and_takes_in_copies(tmp_path: Path) -> None:
    storage = AtomicJSONStorage(tmp_path / 'x.db.json')
    data: dict[str, dict[str, Any]] = {'t': {'1': {'list': [1], 'map': {'a': 1}}}}
    storage.write(data)
    data['t']['1']['list'].append(2)
    data['t']['2'] = {}
    read = storage.read()
    assert read == {'t': {'1': {'list': (1,), 'map': {'a': 1}}}}
    read['t']['1']['new'] = 'top level is a private copy'
    read['t'].clear()
    with pytest.raises(TypeError):
        storage.read()['t']['1']['map']['b'] = 2
    with pytest.raises(AttributeError):
        storage.read()['t']['1']['list'].append(2)
    assert storage.read() == {'t': {'1': {'list': (1,), 'map': {'a': 1}}}}


def test_unchanged_documents_are_written_as_they_were(tmp_path: Path) -> None:
    storage = AtomicJSONStorage(tmp_path / 'x.db.json')
    storage.write({'t': {'1': {'v': 1}, '2': {'v': [1, {'a': None}]}, '3': {'v': 'é'}}})
    tables = storage.read()
    tables['t']['2']['v'] = True
    storage.write(tables)
    expected = {'t': {'1': {'v': 1}, '2': {'v': True}, '3': {'v': 'é'}}}
    assert AtomicJSONStorage(tmp_path / 'x.db.json').read() == expected
    assert json.loads((tmp_path / 'x.db.json').read_bytes()) == {'_meta': {'schema': 1}, **expected}


def test_the_schema_entry_cannot_be_overwritten_by_a_table(tmp_path: Path) -> None:
    storage = AtomicJSONStorage(tmp_path / 'x.db.json')
    with pytest.raises(ValueError, match='reserved'):
        storage.write({'_meta': {'1': {'schema': 99}}})
    assert json.loads((tmp_path / 'x.db.json').read_bytes()) == {'_meta': {'schema': 1}}
