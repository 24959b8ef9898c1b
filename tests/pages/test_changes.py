"""The session page's Changes tab and header facts in NiceGUI's simulated browser, with a plain-text agent whose
`git diff` output is read into changes."""

from __future__ import annotations

from nicegui import ElementFilter, app, ui
from nicegui.testing import User

from ..helpers import CODEX, eventually
from .support import label_texts, wait_for_text
from .test_archive_pages import archived_session
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


async def test_a_long_archived_session_reads_its_earlier_changes_when_the_changes_tab_is_shown(user: User):
    await user.open('/')
    system = app.state.aod_system
    session_id = await archived_session('scenario: success')
    whole = system.hubs.get(session_id).transcript.changes.summary()
    await system.hubs.stop_all()  # as after a restart: the next open starts from the archive
    # the page holds the tail: the last lines (the Write of CHANGELOG.md is followed by a Bash call, the answer, the
    # result and the exit; how many lines come between depends on the stream's timing, so the tail is kept short)
    system.hubs._options['hold'] = 4
    await user.open(f'/sessions/{session_id}')
    await wait_for_text(user, 'Agent exited with code 0', timeout=20)
    hub = system.hubs.get(session_id)
    assert hub.dropped > 0 and hub._earlier_changes is None  # nothing read before the tail at the open
    assert label_texts(user, 'change-counts') == ['3 files changed, +8 −1']  # as the archive recorded it
    with user:
        [tab] = user.find(marker='changes-tab').elements
        assert tab.props['label'] == 'Changes (3)'
        [earlier] = user.find(marker='changes-earlier').elements
        assert earlier.visible and 'Reading' in earlier.text
        tabs = next(iter(user.find(ui.tabs).elements))
        tabs.set_value(tab)

    def files_shown() -> int:
        with user:
            return len(list(ElementFilter(marker='changed-file')))
    await eventually(lambda: files_shown() == 3, 10)
    with user:
        assert not earlier.visible and hub.transcript.changes.summary() == whole
        held = [edit.entry for changes in hub.transcript.changes.files.values() for edit in changes.edits]
        assert held == [None, None, None]  # every edit came before the tail
        assert not list(ElementFilter(marker='show-in-transcript'))  # edits before the tail: no way to their output
