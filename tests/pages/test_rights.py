"""Rights that hold on pages already open. The simulated browser never runs the reload the server sends when a
person's access ends, exactly like a hostile client that ignores it: whatever it still receives, or can still do
by sending events to element ids it read earlier, is what the server allowed."""

from __future__ import annotations

import asyncio
import contextlib

import aod
import pytest
from nicegui import app
from nicegui.testing import User

from aod_ui.components.page_guard import sweep
from aod_ui.components.raw_view import RawView
from aod_ui.components.transcript_view import TranscriptView
from aod_ui.services import Actor, LaunchRequest

from ..helpers import CODEX, DASHBOARD_TOKEN
from .support import eventually, listeners, present, send_raw, signed_in

ADA = Actor('ada', 'admin')
OLGA = Actor('olga', 'member')


def expire(user: User) -> None:
    """Make the person's sign-in older than AOD_UI_SESSION_HOURS."""
    for storage in app.storage._users.values():
        if storage.get('username'):
            storage['signed_in_at'] = 1.0


def titles(user: User) -> list[str]:
    return [row['title'] for table in present(user, 'sessions-table') for row in table.rows]


def system():
    return app.state.aod_system


LAUNCHED: list[str] = []


async def launch(prompt: str, *, owner: Actor = OLGA, visibility: str = 'team') -> str:
    session_id = await system().sessions.launch(owner, LaunchRequest(agent_id=CODEX, prompt=prompt,
                                                                     visibility=visibility))
    LAUNCHED.append(session_id)
    return session_id


@pytest.fixture(autouse=True)
def _stop_what_runs(simulator):
    """Sessions that write for ever would slow every later test sharing the simulator."""
    yield
    with aod.Client(base_url=simulator.url, token=DASHBOARD_TOKEN) as client:
        for session_id in LAUNCHED:
            with contextlib.suppress(aod.AodError):
                client.sessions.terminate(session_id)
    LAUNCHED.clear()


async def second_admin() -> Actor:
    await system().people.add_local(ADA, 'root', 'violet-harbour-77', 'admin')
    return Actor('root', 'admin')


async def end_access(change: str, name: str, watcher: User, create_user) -> None:
    """Take away `name`'s access to what `watcher` shows, in one of the ways it can end."""
    people = system().people
    if change == 'demoted':
        await people.set_role(await second_admin(), name, 'viewer' if name != 'ada' else 'member')
    elif change == 'disabled':
        await people.set_disabled(await second_admin(), name, True)
    elif change == 'signed out':  # in another tab of the same browser, through the account menu
        tab = create_user()
        tab.http_client.cookies = watcher.http_client.cookies
        await tab.open('/')
        tab.find(marker='sign-out').click()
        await eventually(lambda: tab.back_history[-1].startswith('/login'))
    elif change == 'removed':
        await people.remove(await second_admin(), name)


@pytest.mark.parametrize('change', ['private', 'demoted', 'disabled', 'signed out', 'removed'])
async def test_an_open_session_page_stops_at_once_when_access_ends(people, user: User, create_user, change):
    session_id = await launch('Watched by max.\nscenario: long')
    await signed_in(user, 'max')
    await user.open(f'/sessions/{session_id}')
    hub = system().hubs.get(session_id)
    await eventually(lambda: hub is not None and hub.viewer_count == 1 and len(hub.transcript.raw.lines) > 3,
                     timeout=20)
    if change == 'private':
        await system().sessions.set_visibility(OLGA, session_id, 'private')
    else:
        await end_access(change, 'max', user, create_user)
    await eventually(lambda: hub.viewer_count == 0, timeout=5)  # dropped on the server, not by the browser's reload
    await user.should_see(marker='access-ended', retries=20)
    client = user.client
    assert not [e for e in client.elements.values() if isinstance(e, TranscriptView | RawView)]
    held = len(hub.transcript.raw.lines)
    await eventually(lambda: len(hub.transcript.raw.lines) > held + 3, timeout=20)  # the agent goes on writing
    assert not present(user, 'hub-state')  # and none of it reaches the page


async def test_a_private_session_handed_to_someone_else_leaves_its_former_owners_page(people, user: User):
    session_id = await launch('Olga\'s, then max\'s.\nscenario: long', visibility='private')
    await signed_in(user, 'olga')
    await user.open(f'/sessions/{session_id}')
    hub = system().hubs.get(session_id)
    await eventually(lambda: hub is not None and hub.viewer_count == 1, timeout=20)
    await system().sessions.assign_owner(ADA, session_id, 'max')
    await eventually(lambda: hub.viewer_count == 0, timeout=5)
    await user.should_see(marker='access-ended', retries=20)


async def test_a_push_is_checked_even_when_no_change_was_announced(people, user: User):
    session_id = await launch('Watched until the sign-in expires.\nscenario: long')
    await signed_in(user, 'max')
    await user.open(f'/sessions/{session_id}')
    hub = system().hubs.get(session_id)
    await eventually(lambda: hub.viewer_count == 1, timeout=20)
    expire(user)
    await eventually(lambda: hub.viewer_count == 0, timeout=5)
    await user.should_see(marker='access-ended', retries=20)


async def test_an_idle_page_is_taken_down_when_its_sign_in_expires(people, user: User):
    session_id = await launch('Finished before its watcher leaves.\nscenario: fail-provision')
    await signed_in(user, 'max')
    await user.open(f'/sessions/{session_id}')
    await user.should_see('All output received', retries=100)
    expire(user)
    sweep()  # the app does this every minute
    await user.should_see(marker='access-ended', retries=20)
    assert system().hubs.get(session_id) is None or system().hubs.get(session_id).viewer_count == 0


@pytest.mark.parametrize('change', ['demoted', 'disabled', 'signed out'])
async def test_an_open_list_keeps_no_rights_of_its_load(people, user: User, create_user, change):
    await launch('Private plans of olga.', visibility='private')
    await signed_in(user, 'ada')
    await user.open('/')
    await eventually(lambda: 'Private plans of olga.' in titles(user))
    table = present(user, 'sessions-table')[0]
    await end_access(change, 'ada', user, create_user)
    await asyncio.sleep(2 * system().settings.refresh_seconds)  # refreshes come and go: nothing more is sent
    assert table.is_deleted and 'Private plans of olga.' not in titles(user)
    await user.should_see(marker='access-ended', retries=20)


async def test_search_never_reads_the_hidden_lines_of_others_private_prompts(people, user: User, create_user):
    await launch('Shown first line of a private prompt\nthe hidden needle below', visibility='private')
    await launch('Team prompt first line\na team needle below')
    await signed_in(user, 'ada')
    await user.open('/?q=needle')
    await eventually(lambda: titles(user) == ['Team prompt first line'])
    await user.open('/?q=first+line+of+a+private')  # what the list shows of it is searchable
    await eventually(lambda: titles(user) == ['Shown first line of a private prompt'])
    owner = create_user()
    await signed_in(owner, 'olga')
    await owner.open('/?q=hidden+needle')  # its owner searches all of her own prompt
    await eventually(lambda: titles(owner) == ['Shown first line of a private prompt'])


@pytest.mark.parametrize('change', ['demoted', 'disabled'])
async def test_retention_buttons_ask_for_an_admin_at_the_moment_of_the_click(people, user: User, create_user,
                                                                             change):
    old = await launch('An old finished session.')
    system().retention.policy = type(system().retention.policy)(days=0.000001)
    await signed_in(user, 'ada')
    await user.open('/operations')
    await user.should_see(marker='apply', retries=50)
    buttons = listeners(user, 'apply') + listeners(user, 'dry-run')
    await end_access(change, 'ada', user, create_user)
    send_raw(user, buttons)  # what the page still had on screen, clicked by a client that ignores the reload
    await asyncio.sleep(0.5)
    send_raw(user, listeners(user, 'confirm'))
    await asyncio.sleep(0.5)
    assert not any(plan.rows for plan in present(user, 'plan'))
    assert not system().retention.running and system().retention.last_report() is None
    assert system().store.sessions.get(old) is not None
