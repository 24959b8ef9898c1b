"""The simulated browsers of several people keep what each one's page says to themselves."""

from __future__ import annotations

import asyncio

from nicegui import ui
from nicegui.testing import User


async def test_a_notification_is_seen_by_the_person_whose_page_showed_it_after_another_page_sent_a_script(
        user: User, create_user):
    other = create_user()
    mine = await user.open('/')
    theirs = await other.open('/')
    theirs.run_javascript('void 0')  # NiceGUI's simulation touches `other` when this goes out...
    await asyncio.sleep(0.2)
    with mine:
        ui.notify('meant for the first person')  # ...which must not make this notice theirs
    assert user.notify.contains('meant for the first person')
    assert not other.notify.contains('meant for the first person')


async def test_navigation_goes_to_the_person_whose_page_asked(user: User, create_user):
    other = create_user()
    mine = await user.open('/')
    theirs = await other.open('/')
    theirs.run_javascript('void 0')
    await asyncio.sleep(0.2)
    with mine:
        ui.navigate.to('/new')
    await asyncio.sleep(0.2)
    assert user.back_history[-1] == '/new'
    assert other.back_history[-1] == '/'
