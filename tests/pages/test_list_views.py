"""The sessions list's view from its address, its Last activity, its empty state; the New session button and `n`
by role; New session's scenarios in demo mode."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from nicegui import app
from nicegui.testing import User

from aod_ui.components.demo_scenarios import SCENARIO_NAMES, scenario_of, with_scenario
from aod_ui.components.new_session_button import REFUSAL
from aod_ui.components.shortcuts import Shortcuts
from aod_ui.services import Actor
from aod_ui.simulator import SCENARIOS

from ..helpers import eventually
from .support import present, signed_in
from .test_people import user_in_demo  # noqa: F401  (the fixture)
from .test_sessions import launch_via_page, table_ids


def value(user: User, marker: str):
    return present(user, marker)[0].value


async def test_an_address_opens_exactly_its_view(user: User):
    await user.open('/?scope=mine&status=failed&agent=codex-refactor&q=the+build&from=2026-11-02&to=2026-11-30'
                    '&sort=activity&page=2')
    assert [value(user, m) for m in ('scope', 'status-filter', 'search', 'created-from', 'created-to', 'sort')] == \
        ['mine', 'failed', 'the build', '2026-11-02', '2026-11-30', 'activity']
    await eventually(lambda: value(user, 'agent-filter') == 'codex-refactor')
    with user:
        filters = next(iter(present(user, 'scope'))).parent_slot.parent
    assert filters.filter.created_from == date(2026, 11, 2)
    assert filters.address(1) == ('/?scope=mine&status=failed&agent=codex-refactor&q=the+build&from=2026-11-02'
                                  '&to=2026-11-30&sort=activity')


async def test_days_and_order_narrow_and_sort_the_list(user: User):
    first = await launch_via_page(user, 'Days test: first\nscenario: success', agent='doc-gen')
    second = await launch_via_page(user, 'Days test: second\nscenario: success', agent='doc-gen')
    await user.open('/?q=days+test')
    await eventually(lambda: table_ids(user) == [second, first])
    await user.open('/?q=days+test&sort=oldest')
    await eventually(lambda: table_ids(user) == [first, second])
    today = date.today().isoformat()
    await user.open(f'/?q=days+test&from={today}&to={today}')
    await eventually(lambda: table_ids(user) == [second, first])
    await user.open('/?q=days+test&to=2020-01-01')
    await eventually(lambda: table_ids(user) == [])
    present(user, 'created-to')[0].value = ''  # cleared in place: the list follows
    await eventually(lambda: table_ids(user) == [second, first])


async def test_last_activity_follows_what_the_session_does(user: User):
    session_id = await launch_via_page(user, 'Activity test: count slowly\nscenario: long', agent='codex-refactor')
    system = app.state.aod_system
    await asyncio.sleep(3)  # the session page's hub reads its output as it comes
    heard = system.hubs.heard_at(session_id)
    assert heard is not None
    listed = next(r for r in await system.sessions.list(Actor('local', 'admin')) if r.id == session_id)
    assert listed.last_activity_at is not None and listed.last_activity_at.timestamp() == pytest.approx(heard)
    assert listed.last_activity_at > listed.updated_at  # AoD's time stays at the turn's start
    await user.open('/')
    await eventually(lambda: session_id in table_ids(user))
    with user:
        row = next(r for r in user.find(marker='sessions-table').elements.pop().rows if r['id'] == session_id)
    assert row['activity'] == 'just now' and row['activity_exact']


async def test_a_viewer_sees_new_session_disabled_with_why_and_no_n(people, user: User):
    await signed_in(user, 'vic')
    with user:
        wrapper = user.find(marker='new-session').elements.pop()
        button = wrapper.button
        tooltip = next(c for c in wrapper.default_slot.children if c is not button)
        shortcuts = next(iter(e for e in user.client.layout.descendants() if isinstance(e, Shortcuts)))
    assert not button.enabled and tooltip.text == REFUSAL
    assert shortcuts.props['launch'] is False
    await user.should_see(marker='viewer-empty')
    await user.should_not_see(marker='first-session')


async def test_a_member_with_no_sessions_is_offered_the_first_one(people, user: User):
    await signed_in(user, 'olga')
    with user:
        assert user.find(marker='new-session').elements.pop().button.enabled
        assert next(e for e in user.client.layout.descendants() if isinstance(e, Shortcuts)).props['launch'] is True
    await user.should_see(marker='empty-sessions')
    user.find(marker='first-session').click()
    await user.should_see(marker='prompt')


def test_every_scenario_of_the_simulator_is_explained() -> None:
    assert SCENARIO_NAMES.keys() == SCENARIOS.keys()


def test_a_picked_scenario_replaces_the_prompts_own() -> None:
    assert with_scenario('', 'long') == 'scenario: long'
    assert with_scenario('Fix it.\n', 'fail-exit') == 'Fix it.\nscenario: fail-exit'
    assert with_scenario('Fix it.\nSCENARIO: stall\nstage: skills', 'fail-provision') == \
        'Fix it.\nstage: skills\nscenario: fail-provision'
    assert scenario_of('Fix it.') == 'success'
    assert scenario_of('Fix it.\n  Scenario:  Long  \nmore') == 'long'


async def test_demo_mode_new_session_offers_the_scenarios(user_in_demo):  # noqa: F811
    demo = user_in_demo
    await demo.open('/login')
    with demo:
        line = next(e.text for e in demo.find(marker='demo-account').elements if e.text.startswith('member: '))
    name, password = line.removeprefix('member: ').split(' / ')
    await signed_in(demo, name, password)
    await demo.open('/new')
    await demo.should_see('Demo mode: the agents here are scripted')
    demo.find(marker='prompt').type('Tidy the changelog.')
    demo.find(marker='scenario-fail-exit').click()
    assert value(demo, 'prompt') == 'Tidy the changelog.\nscenario: fail-exit'
    await demo.should_see('Fails (scenario: fail-exit)')
    demo.find(marker='scenario-long').click()
    assert value(demo, 'prompt') == 'Tidy the changelog.\nscenario: long'
    demo.find(marker='prompt').clear().type('Typed by hand.\nscenario: stall')
    await demo.should_see('Goes quiet (scenario: stall)')
    with demo:
        assert demo.find(marker='scenario-stall').elements.pop().props.get('unelevated') is True
        assert demo.find(marker='scenario-long').elements.pop().props.get('outline') is True


async def test_without_demo_mode_new_session_has_no_scenarios(user: User):
    await user.open('/new')
    await user.should_see(marker='prompt')
    await user.should_not_see(marker='demo-scenarios')
