"""Search in real Chromium: across sessions from the list, opening the session at the line, and find in a session
with the words marked; hostile text stays text."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import screenshot
from .test_e2e import launch

HOSTILE = '<img src=x onerror="window.__pwned=1">'


def search_until_found(page: Page, url: str, tries: int = 20) -> None:
    """The session is indexed a moment after its output is archived: search again until it is."""
    for _ in range(tries):
        page.goto(url)
        try:
            expect(page.locator('[data-testid="search-hit"], .nicegui-link').first).to_be_visible(timeout=1000)
            if page.get_by_text('No line of any transcript matches.').count() == 0 \
                    and page.locator('mark').count() > 0:
                return
        except AssertionError:
            pass
    raise AssertionError('the search found nothing')


def test_search_then_find_in_the_session(browser, dashboard):
    for name, viewport in (('', {'width': 1280, 'height': 900}), ('-phone', {'width': 390, 'height': 844})):
        context = browser.new_context(viewport=viewport, is_mobile=bool(name), has_touch=bool(name))
        page = context.new_page()
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on('console', lambda message, seen=errors: message.type == 'error' and seen.append(message.text))
        word = f'zanzibar{len(name)}'
        launch(page, dashboard, f'Fix the {word} parser {HOSTILE}\nscenario: success', agent='bug-fix')
        expect(page.get_by_text('Agent exited with code 0')).to_be_visible(timeout=30_000)
        search_until_found(page, f'{dashboard.url}/?q={word}')
        expect(page.locator('mark').filter(has_text=re.compile(word, re.I)).first).to_be_visible()
        screenshot(page, f'search-results{name}')
        page.locator('mark').first.click()
        page.wait_for_url(re.compile(rf'.*/sessions/[0-9a-f-]+\?find={word}.*'))
        expect(page.get_by_text(re.compile(r'^\d+ of \d+$'))).to_be_visible()
        # the words are marked in the transcript (text ranges; the page's text itself is untouched)
        page.wait_for_function("(CSS.highlights.get('aod-find')?.size || 0) > 0", timeout=10_000)
        assert page.evaluate("CSS.highlights.get('aod-find-current').size") >= 1
        page.get_by_role('button').filter(has=page.locator('i', has_text='keyboard_arrow_down')).first.click()
        screenshot(page, f'find-in-session{name}')
        assert not errors, errors
        assert page.evaluate('window.__pwned') is None
        assert page.locator('img[src="x"]').count() == 0
        context.close()


def test_a_match_older_than_the_page_holds_opens_from_the_archive(browser, dashboard):
    for name, viewport in (('', {'width': 1440, 'height': 900}), ('-phone', {'width': 390, 'height': 844}),
                           ('-dark', {'width': 1440, 'height': 900})):
        context = browser.new_context(viewport=viewport, is_mobile=name == '-phone', has_touch=name == '-phone')
        page = context.new_page()
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on('console', lambda message, seen=errors: message.type == 'error' and seen.append(message.text))
        session_id = launch(page, dashboard, 'scenario: huge\nlines: 9000')  # longer than AOD_UI_STREAM_HOLD
        expect(page.get_by_text('Agent exited with code 0')).to_be_visible(timeout=30_000)
        if name == '-dark':
            page.get_by_role('button').filter(has_text='dark_mode').click()
            expect(page.locator('body.body--dark')).to_have_count(1)
        search_until_found(page, f'{dashboard.url}/?q=build+log+line+17:+ok')
        page.locator(f'a[href*="/sessions/{session_id}?"]').filter(has_text='build log line 17: ok').first.click()
        page.wait_for_url(re.compile(r'.*&line=\d+$'))
        notice = page.get_by_text("An earlier part of this session, from the dashboard's archive")
        expect(notice).to_be_visible()
        target = page.locator('.bg-amber-2').filter(has_text='build log line 17: ok')
        expect(target).to_be_in_viewport()
        screenshot(page, f'archived-view{name}')
        page.get_by_role('button', name='Back to live').click()
        expect(notice).to_be_hidden()
        expect(page.get_by_text('Agent exited with code 0')).to_be_visible()
        assert not errors, errors
        context.close()
