"""A dashboard killed in the middle of writing (SIGKILL, no clean-up) loses nothing it acknowledged.

A child process writes in a loop (a session record, an audit entry, a key-value update) and prints each number
after all three calls returned; that print is the acknowledgement. The test kills it at some moment while it
writes, then opens the same folder: every file must load, and every acknowledged write must be there.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage import open_store

ROOT = Path(__file__).resolve().parents[2]

CHILD = '''
import sys
from pathlib import Path
from storage import SessionRecord, open_store

store = open_store(Path(sys.argv[1]))
prefix = sys.argv[2]
if not store.sessions.count():  # a realistic size, so each write takes a while and a kill lands inside one
    store.sessions.add_many(SessionRecord(session_id=f'bulk_{number}', agent_id='agt', agent_name='Agent',
                                          prompt='p' * 300, owner='alice', labels=['x'])
                            for number in range(2000))
print('ready', flush=True)
number = 0
while True:
    session_id = f'{prefix}_{number}'
    store.sessions.add(SessionRecord(session_id=session_id, agent_id='agt', agent_name='Agent', prompt='p' * 300,
                                     owner='alice'))
    store.audit.append('alice', 'session.launch', session_id=session_id, detail='d' * 200)
    store.kv.set('progress', {'prefix': prefix, 'number': number})
    print(number, flush=True)
    number += 1
'''


def read_line(process: subprocess.Popen[bytes], timeout: float) -> bytes:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, 'the child process did not answer in time'
    return process.stdout.readline()


@pytest.mark.skipif(not hasattr(signal, 'SIGKILL'), reason='needs SIGKILL')
def test_killed_writer_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data_dir = tmp_path / 'data'
    environment = {**os.environ, 'PYTHONPATH': str(ROOT)}
    total = 0
    for round_number, seconds in enumerate([0.1, 0.25, 0.4, 0.55]):
        prefix = f'round{round_number}'
        process = subprocess.Popen([sys.executable, '-c', CHILD, str(data_dir), prefix], cwd=ROOT, env=environment,
                                   stdout=subprocess.PIPE)
        try:
            assert read_line(process, 60) == b'ready\n'
            time.sleep(seconds)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        assert process.stdout is not None
        acknowledged = [int(line) for line in process.stdout.read().split()]
        process.stdout.close()
        total += len(acknowledged)

        store = open_store(data_dir)  # must not raise: no file may be left damaged
        session_ids = {record.session_id for record in store.sessions.all()}
        audited = {entry.session_id for entry in store.audit.query(action='session.launch', limit=None)}
        for number in acknowledged:
            assert f'{prefix}_{number}' in session_ids
            assert f'{prefix}_{number}' in audited
        if acknowledged:
            progress = store.kv.get('progress')
            assert progress['prefix'] == prefix and progress['number'] >= acknowledged[-1]
        ids = [entry.id for entry in store.audit.query(limit=None)]
        assert ids == sorted(set(ids), reverse=True)
        store.close()
    assert total > 0, 'the child never acknowledged a write; the test proved nothing'
