"""Fair share on the pages: New session says a person is at their limit before they type, People sets one
person's limit and budget, Operations shows each person's usage."""

from __future__ import annotations

import pytest
from nicegui import app, ui
from nicegui.testing import User

from aod_ui.services import Actor

from .support import eventually, signed_in


@pytest.fixture
def limits(monkeypatch):
    monkeypatch.setenv('AOD_UI_ACTIVE_SESSION_LIMITS', 'member=1')
    monkeypatch.setenv('AOD_UI_MONTHLY_BUDGET_USD', '10')


def start_enabled(user: User) -> bool:
    with user:
        return user.find(marker='start').elements.pop().enabled


async def test_new_session_says_the_limit_is_reached_before_anyone_types(people, limits, user: User):
    await signed_in(user, 'olga')
    await user.open('/new')
    await user.should_not_see('active session')
    assert start_enabled(user)
    user.find(marker='prompt').type('the first one\nscenario: long')
    user.find(marker='start').click()
    await eventually(lambda: user.back_history[-1].startswith('/sessions/'))
    session_id = user.back_history[-1].split('/')[-1]
    await user.open('/new')
    await user.should_see('You have 1 of 1 active session; stop one or ask an admin.')
    assert not start_enabled(user)
    system = app.state.aod_system
    await system.sessions.stop(Actor('olga', 'member'), session_id)
    await user.should_not_see('You have 1 of 1 active session', retries=100)  # the notice asks again by itself
    assert start_enabled(user)


async def test_people_sets_a_persons_limit_and_operations_shows_usage(people, limits, user: User):
    await signed_in(user, 'ada')
    await user.open('/people')
    await user.should_see('1 active at once · $10.00 a month')  # olga, a member, under the team's settings
    user.find(marker='set-limits-olga').click()
    await user.should_see('Fair share of olga')
    user.find(marker='limit-active').type('4')
    user.find(marker='limit-budget').type('25')
    user.find(marker='limit-allow').click()
    user.find(marker='limit-save').click()
    await user.should_see('Limits of olga saved.', retries=50)
    await user.should_see('4 active at once · $25.00 a month · allowed past budget this month')
    olga = app.state.aod_system.store.users.get('olga')
    assert olga.extra['active_limit'] == 4 and olga.extra['monthly_budget_usd'] == 25.0
    await user.open('/operations')
    await user.should_see('Fair share', retries=50)
    with user:
        rows = {row['person']: row for row in user.find(marker='usage-table').elements.pop().rows}
    assert rows['olga']['active'] == '0 of 4' and rows['olga']['cost'] == '$0.00 of $25.00'
    assert rows['olga']['state'] == 'allowed past budget'
    assert rows['max']['active'] == '0 of 1' and rows['ada']['active'] == '0'
    assert isinstance(user.find(marker='usage-table').elements.pop(), ui.table)
