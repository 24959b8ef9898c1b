"""Run again and Edit and run from a finished session's page, and the links between a session and its re-runs."""

from __future__ import annotations

from nicegui import app
from nicegui.testing import User

from .support import eventually, present, wait_for_text
from .test_sessions import launch_via_page


async def opened_next(user: User, before: str) -> str:
    await eventually(lambda: user.back_history[-1].startswith('/sessions/') and user.back_history[-1] != before)
    return user.back_history[-1].split('/')[-1]


async def test_run_again_and_edit_and_run_link_both_ways(user: User):
    first = await launch_via_page(user, 'Tidy the imports.\nscenario: success')
    await user.open(f'/sessions/{first}')
    await wait_for_text(user, 'Finished', timeout=20)
    await user.should_see('Run again')
    user.find(marker='run-again').click()
    again = await opened_next(user, f'/sessions/{first}')
    await user.open(f'/sessions/{again}')
    await user.should_see('Runs again')
    await user.should_see('Tidy the imports.', marker='rerun-origin')
    store = app.state.aod_system.store
    assert store.sessions.get(again).origin == first and store.sessions.get(again).prompt == \
        store.sessions.get(first).prompt
    await user.open(f'/sessions/{first}')
    await user.should_see('Run again 1 time:')
    await user.should_see(again[:8], marker='rerun-link')
    await wait_for_text(user, 'Finished', timeout=20)
    user.find(marker='edit-and-run').click()
    await eventually(lambda: user.back_history[-1] == f'/new?rerun={first}')
    await user.open(f'/new?rerun={first}')
    with user:
        assert user.find(marker='prompt').elements.pop().value == 'Tidy the imports.\nscenario: success'
    user.find(marker='prompt').clear().type('Tidy the imports, and sort them.\nscenario: success')
    user.find(marker='start').click()
    edited = await opened_next(user, f'/new?rerun={first}')
    assert store.sessions.get(edited).origin == first
    assert store.sessions.get(edited).prompt.startswith('Tidy the imports, and sort them.')
    await user.open(f'/sessions/{first}')
    await user.should_see('Run again 2 times:')


async def test_a_running_session_offers_no_rerun_yet(user: User):
    session_id = await launch_via_page(user, 'Keep going.\nscenario: long')
    await user.open(f'/sessions/{session_id}')
    await user.should_see('Stop')
    with user:
        assert [e.visible for e in present(user, 'rerun-buttons')] == [False]
    await user.open('/new?rerun=no-such-session')
    await user.should_see('No such session')
    with user:
        assert user.find(marker='prompt').elements.pop().value == ''
