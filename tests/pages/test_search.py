"""Search through the pages: across sessions from the list, opening the session at the line; find in a session."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from nicegui import app, ui
from nicegui.testing import User

from aod_ui.services import Actor

from ..helpers import CODEX, eventually
from .support import label_texts
from .test_archive_pages import archived_session


async def indexed_session(prompt: str, agent: str | None = None) -> str:
    session_id = await archived_session(prompt, *([agent] if agent else []))
    assert await asyncio.to_thread(app.state.aod_system.search.settle)
    app.state.aod_system.sessions.invalidate()  # the list is cached for 2 s
    return session_id


async def test_a_search_from_the_list_finds_the_line_and_opens_the_session_there(user: User):
    await user.open('/')
    word = f'quokka{uuid.uuid4().hex[:8]}'  # the simulator is shared with other tests: a word only this one uses
    session_id = await indexed_session(f'Fix the flaky {word} test\nscenario: success')
    await indexed_session('Something else entirely\nscenario: success')
    await user.open(f'/?q=flaky+{word}')
    await user.should_see(marker='search-hit')
    with user:
        links = [e for e in user.find(marker='search-hit').elements if isinstance(e, ui.link)]
    assert links and all(f'/sessions/{session_id}?find=flaky+{word}' in link.props['href'] for link in links)
    assert len(label_texts(user, 'search-hit-title')) == len(links)
    await user.should_see(marker='search-count')
    await user.open(links[0].props['href'])
    await eventually(lambda: label_texts(user, 'find-count') and 'of' in label_texts(user, 'find-count')[0])
    with user:
        assert user.find(marker='find').elements.pop().value == f'flaky {word}'


async def test_search_combines_with_the_lists_filters(user: User):
    await user.open('/')
    word = f'quokka{uuid.uuid4().hex[:8]}'
    await indexed_session(f'Fix the flaky {word} test\nscenario: success')
    await user.open(f'/?q={word}')
    await user.should_see(marker='search-hit')
    await user.open(f'/?q={word}&status=running')
    await user.should_see(marker='search-none')


async def test_search_takes_the_days_created_from_the_lists_filter(user: User):
    await user.open('/')
    word = f'quokka{uuid.uuid4().hex[:8]}'
    session_id = await indexed_session(f'Fix the flaky {word} test\nscenario: success')
    rows = await app.state.aod_system.sessions.list(Actor('local', 'admin'))
    created = next(row for row in rows if row.id == session_id).created_at.astimezone().date()
    for days, found in ((f'from={created}&to={created}', True), (f'from={created + timedelta(days=1)}', False),
                        (f'to={created - timedelta(days=1)}', False)):
        await user.open(f'/?q={word}&{days}')
        if found:
            await user.should_see(marker='search-hit')
        else:
            await user.should_see(marker='search-none')
            await user.should_not_see(marker='search-hit')


async def test_find_in_a_long_session_pages_the_raw_window_to_the_match(user: User):
    await user.open('/')
    session_id = await indexed_session('scenario: huge\nlines: 4000', CODEX)
    await user.open(f'/sessions/{session_id}')
    await user.should_see('Agent exited with code 0', retries=100)
    user.find('Raw output').click()
    await eventually(lambda: label_texts(user, 'raw-info') and 'Lines 2' in label_texts(user, 'raw-info')[0])
    user.find(marker='find').type('log line 17: ok')
    await eventually(lambda: label_texts(user, 'find-count') == ['1 of 1'])
    info = label_texts(user, 'raw-info')[0]
    assert info.startswith('Lines 1–'), info  # the window went back to the match, 2,000 lines before the tail


async def test_find_in_the_transcript_steps_through_matches(user: User):
    await user.open('/')
    session_id = await indexed_session('scenario: chatty\nevents: 30')  # a Claude agent: one entry a tick
    await user.open(f'/sessions/{session_id}')
    await user.should_see('Agent exited with code 0', retries=100)
    user.find(marker='find').type('tick')
    await eventually(lambda: label_texts(user, 'find-count') and label_texts(user, 'find-count')[0].startswith('1 of'))
    user.find(marker='find-next').click()
    await eventually(lambda: label_texts(user, 'find-count')[0].startswith('2 of'))
    user.find(marker='find-previous').click()
    user.find(marker='find-previous').click()
    count = label_texts(user, 'find-count')[0]
    total = count.split(' of ')[1]
    assert count == f'{total} of {total}'  # previous from the first is the last


async def test_find_lists_matches_in_output_the_page_no_longer_holds(user: User):
    await user.open('/')
    session_id = await indexed_session('scenario: huge\nlines: 9000', CODEX)  # longer than AOD_UI_STREAM_HOLD
    await user.open(f'/sessions/{session_id}')
    await user.should_see('Agent exited with code 0', retries=100)
    user.find(marker='find').type('build log line 17: ok')
    await eventually(lambda: label_texts(user, 'find-count') == ['1 in earlier output'])
    await user.should_see('1 match in earlier output this page no longer holds')
    await user.should_see(marker='search-line')
    with user:  # each opens the page at its line (from the archive)
        link = next(e for e in user.find(marker='find-earlier').elements.pop().descendants() if isinstance(e, ui.link))
    assert link.props['href'].startswith(f'/sessions/{session_id}?find=build+log+line+17') and 'line=' in \
        link.props['href']
    user.find(marker='find').clear().type('build log line 8999: ok')  # held: found in the page, none listed
    await eventually(lambda: label_texts(user, 'find-count') == ['1 of 1'])
    await user.should_not_see('in earlier output')


async def test_find_pages_the_transcript_window_back_and_offers_the_way_to_the_tail(user: User):
    await user.open('/')
    session_id = await indexed_session('scenario: chatty\nevents: 400')  # 400 entries: more than the window holds
    await user.open(f'/sessions/{session_id}')
    await user.should_see('Agent exited with code 0', retries=100)
    await user.should_see(marker='show-earlier')
    await user.should_not_see(marker='jump')
    user.find(marker='find').type('tick 5')
    await eventually(lambda: label_texts(user, 'find-count') == ['1 of 11'])  # tick 5, tick 50 … tick 59
    await user.should_see(marker='jump')  # the window went back to the first match, away from the tail
    await user.should_not_see('Agent exited with code 0')
    user.find(marker='jump').click()
    await user.should_see('Agent exited with code 0')


async def test_a_match_the_page_no_longer_holds_opens_from_the_archive_with_the_way_back_to_live(user: User):
    await user.open('/')
    session_id = await indexed_session('scenario: huge\nlines: 9000', CODEX)  # longer than AOD_UI_STREAM_HOLD
    system = app.state.aod_system
    early = next(h for h in system.search.search('build log line 17: ok', [session_id]).hits
                 if h.text == 'build log line 17: ok')
    await user.open('/?q=build+log+line+17:+ok')
    await user.should_see(marker='search-hit')
    with user:
        hrefs = [e.props['href'] for e in user.find(marker='search-hit').elements if isinstance(e, ui.link)]
    href = next(h for h in hrefs if h.endswith(f'&line={early.line}'))
    await user.open(href)
    await user.should_see(marker='archived-view')
    await user.should_see("from the dashboard's archive")
    await user.should_not_see(marker='find')  # the live transcript is put away while the archive is shown
    with user:
        target = user.find(marker='archived-target').elements.pop()
        marked = [e._text for e in target.descendants() if e.tag == 'mark']
    assert marked == ['build', 'log', 'line', '17', 'ok']
    assert ''.join(e._text or '' for e in target.descendants()
                                             if e.tag in {'span', 'mark'}) == 'build log line 17: ok'
    notice = label_texts(user, 'archived-notice')[0]
    user.find(marker='archived-later').click()
    await eventually(lambda: label_texts(user, 'archived-notice')[0] != notice)
    await user.should_not_see(marker='archived-target')
    user.find(marker='archived-back').click()
    await user.should_not_see(marker='archived-view')
    await user.should_see('Agent exited with code 0')  # the live view, at its end
    await user.should_see(marker='find')


async def test_a_match_the_page_still_holds_opens_in_the_live_view(user: User):
    await user.open('/')
    session_id = await indexed_session('scenario: huge\nlines: 9000', CODEX)
    system = app.state.aod_system
    late = next(h for h in system.search.search('build log line 8999: ok', [session_id]).hits
                if h.text == 'build log line 8999: ok')
    await user.open(f'/sessions/{session_id}?find=build+log+line+8999:+ok&line={late.line}')
    await user.should_see('Agent exited with code 0', retries=100)
    await user.should_not_see(marker='archived-view')
    await eventually(lambda: label_texts(user, 'find-count') == ['1 of 1'])


async def test_an_archive_that_cannot_be_read_is_said_over_the_live_view(user: User):
    await user.open('/')
    session_id = await indexed_session('scenario: huge\nlines: 9000', CODEX)
    system = app.state.aod_system
    early = next(h for h in system.search.search('build log line 17: ok', [session_id]).hits
                 if h.text == 'build log line 17: ok')
    await user.open(f'/sessions/{session_id}')  # the hub holds the session's latest lines (from the archive) ...
    await user.should_see('Agent exited with code 0', retries=100)
    packed = system.archive.folder / f'{session_id}.jsonl.gz'  # ... and then the archive is damaged
    packed.write_bytes(b'not gzip at all' * 10)
    await user.open(f'/sessions/{session_id}?find=build+log+line+17:+ok&line={early.line}')
    await user.should_see('cannot be read')
    await user.should_not_see(marker='archived-view')
    await user.should_see(marker='find')
