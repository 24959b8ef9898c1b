"""Notifications on the pages: a watch toggle on a session, and the team's webhooks on Operations with a test
delivery to a real receiver and the delivery log."""

from __future__ import annotations

import asyncio

from nicegui import app
from nicegui.testing import User

from ..notifications.test_webhooks import Receiver, receiver  # noqa: F401  (the fixture)
from .support import signed_in
from .test_sessions import launch_via_page


async def test_watching_a_team_session_turns_browser_notifications_on(people, user: User, create_user):
    await signed_in(user, 'olga')
    session_id = await launch_via_page(user, 'Watch me.\nscenario: long')
    other = create_user()
    await signed_in(other, 'max')
    await other.open(f'/sessions/{session_id}')
    await other.should_see('Watch')
    await other.should_not_see(marker='announce-toggle')  # a team session; and not max's
    other.find(marker='watch-toggle').click()
    notifications = app.state.aod_system.notifications
    for _ in range(100):
        if notifications.watchers(session_id):
            break
        await asyncio.sleep(0.05)
    assert notifications.watchers(session_id) == ['max'] and notifications.browser_notices('max')
    await app.state.aod_system.sessions.stop(app.state.aod_system.people.actor('olga'), session_id)


async def test_admins_add_a_webhook_send_a_test_and_read_the_log(people, user: User, receiver: Receiver):  # noqa: F811
    await signed_in(user, 'ada')
    await user.open('/operations')
    await user.should_see('Webhooks', retries=50)
    user.find(marker='hook-url').type(receiver.url)
    user.find(marker='hook-add').click()
    await user.should_see('Webhook added', retries=50)
    [hook] = app.state.aod_system.webhooks.hooks(app.state.aod_system.people.actor('ada'))
    await user.should_see(hook.secret)
    user.find(marker=f'hook-test-{hook.id}').click()
    await user.should_see('Test delivered (200).', retries=100)
    assert len(receiver.received) == 1
    with user:
        [row] = user.find(marker='webhook-log').elements.pop().rows
    assert (row['host'], row['event'], row['outcome']) == ('127.0.0.1', 'test', 'delivered')
