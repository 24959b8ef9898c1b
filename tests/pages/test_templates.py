"""Templates on New session: save what the form holds, privately or for the team, start one in one click, fill the
form from one, and see how often each was used."""

from __future__ import annotations

from nicegui import app
from nicegui.testing import User

from .support import eventually, signed_in


async def test_save_share_and_launch_a_template_in_one_click(people, user: User, create_user):
    await signed_in(user, 'olga')
    await user.open('/new?agent=codex-refactor')
    user.find(marker='prompt').type('Bump the dependencies.\nscenario: long')
    user.find(marker='save-template').click()
    await user.should_see(marker='template-name')
    user.find(marker='template-name').type('Bump deps')
    user.find(marker='template-shared').click()
    user.find(marker='template-save').click()
    await user.should_see('Template Bump deps saved.', retries=50)
    await user.should_see('used 0×')
    user.find(marker='save-template').click()
    await user.should_see(marker='template-name')
    user.find(marker='template-name').type('Only mine')
    user.find(marker='template-save').click()
    await user.should_see('Template Only mine saved.', retries=50)

    other = create_user()
    await signed_in(other, 'max')
    await other.open('/new')
    await other.should_see('Bump deps')
    await other.should_not_see('Only mine')
    other.find(marker='template-start-Bump deps').click()
    await eventually(lambda: other.back_history[-1].startswith('/sessions/'))
    session_id = other.back_history[-1].split('/')[-1]
    record = app.state.aod_system.store.sessions.get(session_id)
    assert (record.owner, record.prompt) == ('max', 'Bump the dependencies.\nscenario: long')
    await other.open('/new')
    await other.should_see('used 1×')
    other.find(marker='template-fill-Bump deps').click()
    with other:
        assert other.find(marker='prompt').elements.pop().value == 'Bump the dependencies.\nscenario: long'
    await other.should_not_see(marker='template-delete-Bump deps')  # someone else's
    await app.state.aod_system.sessions.stop(app.state.aod_system.people.actor('max'), session_id)
