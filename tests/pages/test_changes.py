"""The session page's Changes tab and header facts in NiceGUI's simulated browser, with a plain-text agent whose
`git diff` output is read into changes."""

from __future__ import annotations

from nicegui import ElementFilter, ui
from nicegui.testing import User

from ..helpers import CODEX, eventually
from .support import label_texts, wait_for_text
from .test_sessions import launch_via_page


async def test_a_plain_agents_diff_shows_as_changes_and_leads_back_to_its_output(user: User):
    session_id = await launch_via_page(user, 'Rename fetch_json.\nscenario: success', agent=CODEX)
    await user.open(f'/sessions/{session_id}')
    await wait_for_text(user, 'Agent exited with code 0', timeout=20)
    await eventually(lambda: label_texts(user, 'change-counts') == ['2 files changed, +2 −2'])
    with user:
        [tab] = user.find(marker='changes-tab').elements
        assert tab.props['label'] == 'Changes (2)'
        assert len(user.find(marker='changed-file').elements) == 2
        assert len(user.find(marker='diff').elements) == 2  # both open: a few files only
        links = {e.props['href'] for e in user.find(marker='change-link-pull').elements if isinstance(e, ui.link)}
        assert links == {'https://github.com/acme/api/pull/57'}
        tabs = next(iter(user.find(ui.tabs).elements))
        tabs.set_value(tab)
        [jump] = ElementFilter(marker='jump')
        assert not jump.visible
    user.find(marker='show-in-transcript').click()  # back to the output block the diff was printed in
    with user:
        assert tabs.value != tab.props['name']
        assert jump.visible  # the transcript holds still where the reader was taken
