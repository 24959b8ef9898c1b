"""One lock per database: writes from many threads at once are neither lost nor mixed up."""

from __future__ import annotations

import threading
from collections.abc import Callable

from storage import SessionRecord, Store


def run_in_threads(count: int, work: Callable[[int], None]) -> None:
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(number: int) -> None:
        start.wait()
        try:
            work(number)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


def test_concurrent_writes_are_all_kept(store: Store, reopen: Callable[[], Store]) -> None:
    store.sessions.add(SessionRecord(session_id='shared', agent_id='a', agent_name='A', prompt='p', owner='alice'))

    def work(number: int) -> None:
        for turn in range(10):
            store.sessions.add_followup('shared', prompt=f'{number}-{turn}', by=f'user{number}')
            store.sessions.add(SessionRecord(session_id=f'ses_{number}_{turn}', agent_id='a', agent_name='A',
                                             prompt='p', owner=f'user{number}'))
            store.audit.append(f'user{number}', 'session.launch')
            store.kv.set(f'key{number}', turn)

    run_in_threads(6, work)
    for view in (store, reopen()):
        shared = view.sessions.get('shared')
        assert shared is not None
        assert sorted(item.prompt for item in shared.followups) == sorted(
            f'{number}-{turn}' for number in range(6) for turn in range(10))
        assert view.sessions.count() == 61
        assert sorted(entry.id for entry in view.audit.query(limit=None)) == list(range(1, 61))
        stored_keys = view.kv.keys()
        assert {key: view.kv.get(key) for key in stored_keys} == {f'key{number}': 9 for number in range(6)}
