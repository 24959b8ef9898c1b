"""The TinyDB files: created private, written atomically, served from memory, refused (and left alone) when damaged
or written by a newer dashboard, and upgraded through the migrations."""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from aod_ui.errors import StorageError
from storage import SESSIONS_FILE, STATE_FILE, USERS_FILE, SessionRecord, Store, open_store
from storage._files import fsync_folder
from storage._tinydb import AtomicJSONStorage, TinyDBFile

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
    with pytest.raises(StorageError, match='changed or removed by another program') as raised:
        opened.sessions.add(record('ses_new'))
    assert str(raised.value) == (
        f'The data file {path} was changed or removed by another program since the dashboard read it, so the '
        'dashboard did not overwrite it and the change was not saved. Make sure only one dashboard uses '
        f'{data_dir}, then restart it.')
    assert path.read_bytes() == foreign
    path.unlink()
    with pytest.raises(StorageError, match='changed or removed by another program'):
        opened.sessions.add(record('ses_new'))
    assert not path.exists()


NOT_JSON = r'it is not valid JSON \(.+\)'
NO_SCHEMA = re.escape('it has no schema version ("_meta": {"schema": N}), so this dashboard did not write it')
NOT_A_TABLE = re.escape("its table 'sessions' is not a set of JSON objects")
DAMAGED = [  # the content, and the reason the message gives (a regular expression)
    pytest.param(b'', 'it is empty', id='empty'),
    pytest.param(b'  \n', 'it is empty', id='blank'),
    pytest.param(b'{"_meta": {"schema": 1}, "sessions": {"a": {"session_id": "a"', NOT_JSON, id='truncated'),
    pytest.param(b'\x00\x00\x00\x00', NOT_JSON, id='zeros'),
    pytest.param(b'\xff\xfe garbage \x80', NOT_JSON, id='not-utf8'),
    pytest.param(b'<html>not json</html>', NOT_JSON, id='not-json'),
    pytest.param(b'[1, 2, 3]', 'it does not hold a JSON object', id='not-an-object'),
    pytest.param(b'{"sessions": {}}', NO_SCHEMA, id='no-schema'),
    pytest.param(b'{"_meta": {"schema": "1"}}', NO_SCHEMA, id='schema-not-a-number'),
    pytest.param(b'{"_meta": {"schema": 1}, "sessions": []}', NOT_A_TABLE, id='table-not-an-object'),
    pytest.param(b'{"_meta": {"schema": 1}, "sessions": {"a": 5}}', NOT_A_TABLE, id='document-not-an-object'),
    pytest.param(b'{"_meta": {"schema": 1}, "sessions": {"a": {"x": NaN}}}', 'nan cannot be stored: only finite '
                 'numbers can', id='nan'),
]


@pytest.mark.parametrize('name', TINYDB_FILES)
@pytest.mark.parametrize(('content', 'reason'), DAMAGED)
def test_a_damaged_file_is_refused_and_left_alone(data_dir: Path, name: str, content: bytes, reason: str) -> None:
    data_dir.mkdir(mode=0o700)
    path = data_dir / name
    path.write_bytes(content)
    with pytest.raises(StorageError) as raised:
        open_store(data_dir)
    assert re.fullmatch(re.escape(f'The data file {path} cannot be used: ') + reason + re.escape(
        '. The dashboard did not change it. Restore it from a backup, or move it aside to start with an empty one.'),
        str(raised.value))
    assert path.read_bytes() == content
    assert not [entry for entry in data_dir.iterdir() if name in entry.name and entry != path]


def test_a_newer_schema_is_refused_and_left_alone(data_dir: Path) -> None:
    data_dir.mkdir(mode=0o700)
    path = data_dir / SESSIONS_FILE
    content = json.dumps({'_meta': {'schema': 2}, 'sessions': {'a': {'session_id': 'a', 'new_field': 1}}}).encode()
    path.write_bytes(content)
    with pytest.raises(StorageError, match='newer version') as raised:
        open_store(data_dir)
    assert str(raised.value) == (
        f'The data file {path} was written by a newer version of the dashboard (schema 2; this version reads schema 1 '
        'and older). The dashboard did not change it. Run the newer version, or restore a backup made by this one.')
    assert path.read_bytes() == content


def test_an_unreadable_file_is_refused(data_dir: Path) -> None:
    (data_dir / SESSIONS_FILE).mkdir(parents=True)
    with pytest.raises(StorageError, match='cannot be read') as raised:
        open_store(data_dir)
    assert str(raised.value) == (
        f'The data file {data_dir / SESSIONS_FILE} cannot be read ({os.strerror(errno.EISDIR)}). Check that the '
        'dashboard may read and write it, or restore it from a backup.')


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

    with pytest.raises(StorageError, match='could not be upgraded from schema 1 to 2') as raised:
        AtomicJSONStorage(path, migrations=[broken])
    assert str(raised.value) == (
        f"The data file {path} could not be upgraded from schema 1 to 2 (KeyError: 'agent'). The dashboard did not "
        'change it. Run the version that wrote it, or report the problem with a copy of the file.')
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


def test_a_missing_data_folder_is_made_private_with_its_parents_and_never_open_to_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / 'one' / 'two' / 'data'
    modes_before_chmod: list[int] = []
    real_chmod = os.chmod

    def chmod(path: Any, new_mode: int, **kwargs: Any) -> None:
        modes_before_chmod.append(mode(Path(path)))
        real_chmod(path, new_mode, **kwargs)

    monkeypatch.setattr(os, 'chmod', chmod)
    old_umask = os.umask(0o022)
    try:
        open_store(data_dir)
    finally:
        os.umask(old_umask)
    monkeypatch.undo()
    assert mode(data_dir) == 0o700
    assert modes_before_chmod[0] & 0o077 == 0  # created private, not opened up for the moment before the chmod


def test_a_data_folder_that_cannot_be_made_is_refused_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / 'file').write_text('')
    folder = tmp_path / 'file' / 'data'
    with pytest.raises(StorageError) as raised:
        open_store(folder)
    assert str(raised.value) == (
        f'The data folder {folder} cannot be created or read ({os.strerror(errno.ENOTDIR)}). '
        'Check that the dashboard may write there, or point AOD_UI_DATA_DIR elsewhere.')


def test_a_data_folder_that_is_a_file_is_refused_with_advice(tmp_path: Path) -> None:
    (tmp_path / 'data').write_text('')
    with pytest.raises(StorageError) as raised:
        open_store(tmp_path / 'data')
    assert str(raised.value) == (f'The data folder {tmp_path / "data"} is not a folder. '
                                 'Point AOD_UI_DATA_DIR at a folder, or move the file aside.')


def test_only_a_data_folder_others_may_read_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    private, shared = tmp_path / 'private', tmp_path / 'shared'
    private.mkdir(mode=0o700)
    shared.mkdir()
    os.chmod(private, 0o700)
    os.chmod(shared, 0o750)
    with caplog.at_level(logging.WARNING, logger='storage._files'):
        open_store(private)
        assert [record.getMessage() for record in caplog.records] == []
        open_store(shared)
    assert [record.getMessage() for record in caplog.records] == [
        f'the data folder {shared} can be read by other users (mode 750); consider chmod 700']


def test_only_the_files_own_leftover_temporary_files_are_removed(data_dir: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    data_dir.mkdir(mode=0o700)
    leftover = data_dir / f'.{SESSIONS_FILE}.k3j4.tmp'
    leftover.write_bytes(b'{"half')
    others = [data_dir / 'notes.tmp', data_dir / f'.{SESSIONS_FILE}.keep', data_dir / f'{SESSIONS_FILE}.tmp']
    for other in others:
        other.write_text('mine')
    folder_like_a_leftover = data_dir / f'.{USERS_FILE}.x.tmp'
    folder_like_a_leftover.mkdir()  # cannot be unlinked: left as it is, and the store still opens
    with caplog.at_level(logging.INFO, logger='storage._files'):
        open_store(data_dir)
    assert not leftover.exists()
    assert all(other.read_text() == 'mine' for other in others)
    assert folder_like_a_leftover.is_dir()
    removing = [record.getMessage() for record in caplog.records if record.getMessage().startswith('removing')]
    assert removing == [f'removing {leftover}, left over from an interrupted write',
                        f'removing {folder_like_a_leftover}, left over from an interrupted write']


def test_a_file_in_a_missing_folder_is_refused_as_not_creatable(tmp_path: Path) -> None:
    path = tmp_path / 'missing' / 'x.db.json'
    with pytest.raises(StorageError) as raised:
        AtomicJSONStorage(path)
    assert str(raised.value) == (f'The data file {path} cannot be created ({os.strerror(errno.ENOENT)}). Check that '
                                 f'the dashboard may write to {path.parent}.')
    assert not path.parent.exists()


def test_a_failed_clean_up_does_not_hide_why_the_write_failed(opened: Store, data_dir: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args: Any) -> None:
        raise OSError(errno.EIO, 'Input/output error')

    def refuse(*args: Any) -> None:
        raise PermissionError(errno.EACCES, 'Permission denied')

    monkeypatch.setattr(os, 'replace', crash)
    monkeypatch.setattr(os, 'unlink', refuse)
    with pytest.raises(StorageError) as raised:
        opened.sessions.add(record('ses_new'))
    assert str(raised.value) == (
        f'The data file {data_dir / SESSIONS_FILE} could not be saved (Input/output error); the change was not stored '
        f'and the file is as it was. Check free disk space and that the dashboard may write to {data_dir}.')


def _failing_folder_sync(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        if stat.S_ISDIR(os.fstat(descriptor).st_mode):
            raise OSError(number, os.strerror(number))
        real_fsync(descriptor)

    monkeypatch.setattr(os, 'fsync', fsync)


@pytest.mark.parametrize('number', [errno.EINVAL, errno.ENOTSUP, errno.EBADF])
def test_a_folder_that_cannot_be_synced_at_all_is_tolerated(opened: Store, data_dir: Path, number: int,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _failing_folder_sync(monkeypatch, number)
    opened.sessions.add(record('ses_new'))
    monkeypatch.undo()
    assert {r.session_id for r in open_store(data_dir).sessions.all()} == {'ses_old', 'ses_new'}


def test_a_folder_sync_that_fails_is_reported(opened: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _failing_folder_sync(monkeypatch, errno.EIO)
    with pytest.raises(StorageError) as raised:
        opened.sessions.add(record('ses_new'))
    assert str(raised.value) == (
        f'The data file {data_dir / SESSIONS_FILE} was saved, but the folder {data_dir} could not be synced '
        f'({os.strerror(errno.EIO)}), so the change may not survive a power cut. Check the disk.')


def test_only_a_folder_is_synced_as_one(tmp_path: Path) -> None:
    (tmp_path / 'file').write_text('')
    fsync_folder(tmp_path)
    with pytest.raises(NotADirectoryError):
        fsync_folder(tmp_path / 'file')


def test_a_new_file_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger='storage._tinydb'):
        AtomicJSONStorage(tmp_path / 'x.db.json')
        AtomicJSONStorage(tmp_path / 'x.db.json')
    assert [record.getMessage() for record in caplog.records] == [f'created {tmp_path / "x.db.json"}']


def test_an_upgrade_is_logged_with_its_backup_and_the_file_can_be_written_at_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / SESSIONS_FILE
    path.write_bytes(json.dumps({'_meta': {'schema': 1}, 'sessions': {'a': {'session_id': 'a'}}}).encode())
    with caplog.at_level(logging.WARNING, logger='storage._tinydb'):
        storage = AtomicJSONStorage(path, migrations=[add_title])
    assert [record.getMessage() for record in caplog.records] == [
        f'upgraded {path} from schema 1 to 2; the old file is kept as {tmp_path / "sessions.schema-1-backup.db.json"}']
    storage.write({'sessions': {}})
    assert json.loads(path.read_bytes()) == {'_meta': {'schema': 2}, 'sessions': {}}


def test_an_upgrade_that_cannot_be_saved_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / SESSIONS_FILE
    original = json.dumps({'_meta': {'schema': 1}, 'sessions': {}}).encode()
    path.write_bytes(original)

    def crash(*args: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, 'replace', crash)
    with pytest.raises(StorageError) as raised:
        AtomicJSONStorage(path, migrations=[add_title])
    assert str(raised.value) == (
        f'The data file {path} could not be upgraded ({os.strerror(errno.ENOSPC)}); it is unchanged. Check free disk '
        f'space and that the dashboard may write to {tmp_path}.')
    assert path.read_bytes() == original


def test_a_file_opened_again_can_be_written(opened: Store, data_dir: Path) -> None:
    again = open_store(data_dir)
    again.sessions.add(record('ses_new'))
    assert {r.session_id for r in open_store(data_dir).sessions.all()} == {'ses_old', 'ses_new'}


def test_a_field_added_to_or_removed_from_a_document_is_saved(tmp_path: Path) -> None:
    storage = AtomicJSONStorage(tmp_path / 'x.db.json')
    storage.write({'t': {'1': {'a': 1, 'b': 2}, '2': {'a': 1}}})
    tables = storage.read()
    del tables['t']['1']['b']
    tables['t']['2']['b'] = 2
    storage.write(tables)
    expected = {'t': {'1': {'a': 1}, '2': {'a': 1, 'b': 2}}}
    assert storage.read() == expected
    assert AtomicJSONStorage(tmp_path / 'x.db.json').read() == expected


def test_a_database_file_passes_its_migrations_on(tmp_path: Path) -> None:
    path = tmp_path / SESSIONS_FILE
    path.write_bytes(json.dumps({'_meta': {'schema': 1}, 'sessions': {'a': {'session_id': 'a'}}}).encode())
    database = TinyDBFile(path, migrations=[add_title])
    assert database.path == path
    assert database.table('sessions').get('a') == {'session_id': 'a', 'title': 'migrated'}
    database.close()
