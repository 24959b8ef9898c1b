"""The session page's states: provisioning, a silent agent, a stop, a reopened finished session, a long session
whose early output was let go, and the header's facts after a follow-up."""

from __future__ import annotations

import asyncio
import re
import time

import aod
import pytest
from nicegui import ElementFilter, app, ui
from nicegui.testing import User

from aod_ui import format as fmt
from aod_ui.auth import LOCAL_ACTOR
from aod_ui.components import session_header
from aod_ui.hub import QUIET_AFTER
from aod_ui.simulator import SimulatorServer
from aod_ui.transcript import ToolEntry

from ..helpers import CODE_REVIEW, DASHBOARD_TOKEN, eventually
from .support import label_texts, present, wait_for_text
from .test_sessions import launch_via_page


def element(user: User, marker: str) -> ui.element:
    with user:
        return next(iter(ElementFilter(marker=marker)))


async def stop_via_page(user: User) -> None:
    user.find(marker='stop').click()
    await user.should_see(marker='confirm')
    user.find(marker='confirm').click()


async def test_provisioning_says_the_stage_the_time_so_far_and_what_is_usual(user: User):
    session_id = await launch_via_page(user, 'Set up.\nscenario: success\nprovision: 5', agent='codex-refactor')
    await user.open(f'/sessions/{session_id}')
    await wait_for_text(user, 'Now: create sprite')
    notice = element(user, 'provisioning')
    assert notice.visible
    usually = label_texts(user, 'provisioning-usually')[0]
    # a figure only from sessions this dashboard kept (the shared simulator's other sessions may be archived)
    assert re.fullmatch(r'Provisioning usually takes about \d+ s here \(the median of the latest (session|\d+ '
                        r'sessions) this dashboard kept\)\.', usually) or 'has kept no provisioned session' in usually
    first = label_texts(user, 'provisioning-now')[0]
    await eventually(lambda: label_texts(user, 'provisioning-now')[0] != first, timeout=5)  # the time counts on
    assert re.search(r'\d+ s so far', label_texts(user, 'provisioning-now')[0])
    await eventually(lambda: not notice.visible, timeout=30)  # gone once the agent runs
    await wait_for_text(user, 'Agent exited with code 0', timeout=30)


async def test_a_session_started_running_shows_no_provisioning_notice(user: User):
    session_id = await launch_via_page(user, 'Go.\nscenario: long', agent='codex-refactor')
    await wait_for_text(user, 'Live: following')
    await eventually(lambda: app.state.aod_system.hubs.get(session_id).transcript.raw.lines.line_count > 0)
    await user.open(f'/sessions/{session_id}')
    await user.should_see('Live: following')
    assert not present(user, 'provisioning')
    await stop_via_page(user)
    await wait_for_text(user, 'Session was stopped')


@pytest.fixture
def quick_quiet_check(monkeypatch):
    monkeypatch.setattr(session_header, 'QUIET_CHECK', 0.2)


async def test_a_silent_agent_is_flagged_in_the_live_line_and_unflagged_by_new_output(quick_quiet_check,
                                                                                       user: User):
    session_id = await launch_via_page(user, 'Stall.\nscenario: stall', agent='codex-refactor')
    await user.open(f'/sessions/{session_id}')
    await wait_for_text(user, 'Live: following')
    hub = app.state.aod_system.hubs.get(session_id)
    rows = -1
    while rows != hub.rows_read:  # until the agent went quiet (it writes a few lines first)
        rows = hub.rows_read
        await asyncio.sleep(1.0)
    await eventually(lambda: label_texts(user, 'hub-state') == ["Live: following the agent's output"])
    hub.last_output_at = time.time() - QUIET_AFTER - 4 * 60  # as if the agent had been silent for six minutes
    await eventually(lambda: label_texts(user, 'hub-state')[0].startswith('No output for 6 min'))
    hub.last_output_at = time.time()  # output again
    await eventually(lambda: label_texts(user, 'hub-state') == ["Live: following the agent's output"])
    await stop_via_page(user)
    await wait_for_text(user, 'Session was stopped')


async def test_a_stop_is_announced_once_and_leaves_no_tool_call_running(user: User):
    session_id = await launch_via_page(user, 'Build it.\nscenario: long', agent='code-review')  # its page opens
    await user.should_see(marker='tool', retries=100)
    await stop_via_page(user)
    await wait_for_text(user, 'terminated')
    hub = app.state.aod_system.hubs.get(session_id)
    await eventually(lambda: hub.transcript.finished)
    await eventually(lambda: any('stopped' in m for m in user.notify.messages))
    await user.should_see('Session was stopped')  # the stream's own `terminated` has come too: not announced again
    assert len([m for m in user.notify.messages if 'stopped' in m.lower()]) == 1
    tools = [e for e in hub.transcript.entries if isinstance(e, ToolEntry)]
    assert tools and all(t.status != 'pending' for t in tools)
    with user:
        spinners = [s for card in ElementFilter(marker='tool') for s in card.descendants() if isinstance(s, ui.spinner)]
    assert not spinners


async def test_a_tool_call_changes_in_place_and_an_opened_card_stays_open(user: User):
    await launch_via_page(user, 'Build it.\nscenario: long', agent='code-review')

    def running_card() -> ui.element | None:
        with user:
            return next((card for card in ElementFilter(marker='tool')
                         if any(isinstance(s, ui.spinner) for s in card.descendants())), None)
    await eventually(lambda: running_card() is not None, timeout=20)
    card = running_card()
    with user:
        expansion = next(e for e in card.descendants() if isinstance(e, ui.expansion))
        expansion.value = True  # the reader opens the running call
        built = {e.id for e in card.descendants()}
    await stop_via_page(user)  # the call finishes now or never (interrupted): either way its card changes
    await eventually(lambda: not any(isinstance(e, ui.spinner) for e in card.descendants()), timeout=20)
    with user:
        now = list(card.descendants())
    assert not card.is_deleted and expansion.value and not expansion.is_deleted
    assert expansion.id in {e.id for e in now}  # the same card, changed where it changed
    assert len({e.id for e in now} - built) <= 3  # the new status (and a result) only: nothing else built again


def sdk(simulator: SimulatorServer) -> aod.Client:
    return aod.Client(base_url=simulator.url, token=DASHBOARD_TOKEN)


def finish(client: aod.Client, session_id: str) -> None:
    with client.sessions.stream(session_id) as events:
        for _ in events:
            pass


async def test_opening_a_finished_session_announces_nothing_while_its_history_is_read(user: User, simulator):
    with sdk(simulator) as client:  # two turns, finished before any page opens
        session_id = str(client.sessions.create(agent_id=CODE_REVIEW, prompt='Review.\nscenario: success').id)
        finish(client, session_id)
        client.sessions.prompt(session_id, prompt='Again.\nscenario: success')
        await eventually(lambda: [t.status for t in client.sessions.turns(session_id)] == ['completed'] * 2,
                         timeout=30)
    await user.open(f'/sessions/{session_id}')
    hub = app.state.aod_system.hubs.get(session_id)
    await eventually(lambda: hub.settled.is_set(), timeout=30)  # the whole history read, while the page watched
    await user.should_see('Agent exited with code 0')
    assert not [m for m in user.notify.messages if m.startswith('Session ')]
    assert element(user, 'status').status == 'completed'  # type: ignore[attr-defined]


async def test_the_header_duration_is_the_lists_after_a_follow_up(user: User):
    session_id = await launch_via_page(user, 'Rename.\nscenario: success', agent='codex-refactor')
    await user.open(f'/sessions/{session_id}')
    await wait_for_text(user, 'Agent exited with code 0', timeout=30)
    user.find(marker='followup-prompt').type('And the docs.')
    user.find(marker='followup-send').click()
    await wait_for_text(user, 'Turn 2')
    system = app.state.aod_system
    hub = system.hubs.get(session_id)
    await eventually(lambda: sum(e.get('type') == 'exit' for e in hub.transcript.raw.events) == 2, timeout=30)
    row = (await system.sessions.get(LOCAL_ACTOR, session_id)).row  # as the list reads it
    expected = f'ran {fmt.duration(row.duration_seconds)}'
    await eventually(lambda: expected in label_texts(user, 'session-facts')[0], timeout=10)


@pytest.fixture
def small_hold(dashboard_env, monkeypatch) -> None:
    monkeypatch.setenv('AOD_UI_STREAM_HOLD', '2000')


async def test_a_long_session_keeps_its_stages_and_says_where_its_start_was_let_go(small_hold, user: User):
    session_id = await launch_via_page(user, 'Print a lot.\nscenario: huge\nlines: 12000', agent='codex-refactor')
    await wait_for_text(user, 'Agent exited with code 0', timeout=30)
    await user.open(f'/sessions/{session_id}')  # the hub let the stages' entries go long ago
    await user.should_see('Agent exited with code 0')
    with user:
        chips = [c.text for c in ElementFilter(kind=ui.chip) if 'sprite' in c.text]
    assert chips and chips[0].startswith('create sprite')
    await user.should_not_see('Waiting for provisioning')
    user.find(marker='jump-start').click()
    let_go = element(user, 'let-go')
    await eventually(lambda: let_go.visible and 'no longer kept in the dashboard' in let_go.text)
    await user.should_see(marker='jump')  # the way back to the live end
    user.find(marker='jump-end').click()
    await eventually(lambda: not element(user, 'jump').visible)


async def test_from_the_start_later_entries_come_page_by_page_until_the_tail(user: User):
    session_id = await launch_via_page(user, 'Count.\nscenario: chatty\nevents: 400', agent='code-review')
    await wait_for_text(user, 'Agent exited with code 0', timeout=30)
    await user.open(f'/sessions/{session_id}')
    await user.should_see('Agent exited with code 0')
    await user.should_not_see(marker='turn-prompt')  # the window holds the latest entries only
    user.find(marker='jump-start').click()
    later = element(user, 'show-later')
    await eventually(lambda: later.visible and 'later of' in later.text)
    await user.should_see(marker='turn-prompt')  # the session's first entry
    for _ in range(5):
        if not later.visible:
            break
        user.find(marker='show-later').click()
    assert not later.visible  # at the newest entry: following the tail again
    await user.should_see('Agent exited with code 0')
