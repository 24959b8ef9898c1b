"""The dashboard in real Chromium: launch, watch, share, reload, follow up, stop, delete; and what must never
reach a browser."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest
from playwright.sync_api import Page, expect

from aod_ui.components.stylesheet import STYLES
from tools.styles import utilities

from ..helpers import DASHBOARD_TOKEN
from .conftest import screenshot
from .styled import SELECTORS, unstyled


def launch(page: Page, dashboard, prompt: str, agent: str = 'codex-refactor') -> str:
    page.goto(f'{dashboard.url}/new?agent={agent}')
    page.get_by_label('Prompt').fill(prompt)
    page.get_by_role('button', name='Start session').click()
    page.wait_for_url(re.compile(r'.*/sessions/[0-9a-f-]+$'))
    return page.url.rsplit('/', 1)[-1]


def streams_opened(simulator, session_id: str) -> int:
    """Streams opened for one session (the archive's backfill reads other sessions of the shared simulator)."""
    return httpx.get(f'{simulator.url}/_sim/stats').json()['streams_by_session'].get(session_id, 0)


def test_launch_and_watch_a_claude_session(page: Page, dashboard):
    launch(page, dashboard, 'Review the retry logic in the HTTP client.\nscenario: success', agent='code-review')
    expect(page.get_by_text('Review the retry logic in the HTTP client.').first).to_be_visible()
    expect(page.get_by_text('Finished', exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_text('Agent exited with code 0')).to_be_visible()
    expect(page.get_by_text('create sprite').first).to_be_visible()
    screenshot(page, 'session-claude')
    page.get_by_role('tab', name='Raw output').click()
    expect(page.get_by_text(re.compile(r'Lines 1–\d+ of \d+'))).to_be_visible()
    screenshot(page, 'session-raw')
    page.goto(dashboard.url)
    expect(page.get_by_text('Review the retry logic in the HTTP client.')).to_be_visible()
    screenshot(page, 'sessions-list')


def test_two_viewers_share_one_upstream_stream(browser, dashboard, simulator):
    first = browser.new_page()
    session_id = launch(first, dashboard, 'Print the numbers.\nscenario: long')
    expect(first.get_by_text('Live: following')).to_be_visible()
    before = streams_opened(simulator, session_id)
    second = browser.new_page()
    second.goto(f'{dashboard.url}/sessions/{session_id}')
    expect(second.get_by_text('Live: following')).to_be_visible()
    third = browser.new_page()
    third.goto(f'{dashboard.url}/sessions/{session_id}')
    expect(third.get_by_text('Live: following')).to_be_visible()
    first.wait_for_timeout(1500)
    assert streams_opened(simulator, session_id) == before
    second.get_by_role('button', name='Stop', exact=True).click()
    second.get_by_role('button', name='Stop session').click()
    for viewer in (first, second, third):
        expect(viewer.get_by_text('terminated', exact=True).first).to_be_visible()
    screenshot(third, 'session-stopped-seen-by-another-viewer')
    for viewer in (first, second, third):
        viewer.context.close() if viewer.context != browser.contexts[0] else viewer.close()


def raw_line_count(page: Page) -> int:
    page.get_by_role('tab', name='Raw output').click()
    text = page.get_by_text(re.compile(r'^Lines \d+–\d+ of \d+')).inner_text()
    page.get_by_role('tab', name='Transcript').click()
    return int(text.split(' of ')[1].split()[0])


def test_reload_mid_stream_loses_nothing(page: Page, dashboard, simulator):
    session_id = launch(page, dashboard, 'Count slowly.\nscenario: long')
    expect(page.get_by_text('Live: following')).to_be_visible()
    page.wait_for_timeout(1500)
    page.reload()
    expect(page.get_by_text('Live: following')).to_be_visible()
    page.wait_for_timeout(1000)
    page.get_by_role('button', name='Stop', exact=True).click()
    page.get_by_role('button', name='Stop session').click()
    expect(page.get_by_text('terminated', exact=True).first).to_be_visible()
    body = httpx.get(f'{simulator.url}/sessions/{session_id}/stream',
                     headers={'Authorization': f'Bearer {DASHBOARD_TOKEN}'}).text
    events = [json.loads(line[6:]) for line in body.splitlines() if line.startswith('data: ')]
    output = ''.join(e['data'] for e in events if e['type'] == 'output')
    # The badge says `terminated` as soon as AoD acknowledges the stop; the output written before it may still be
    # on its way from AoD's last paced read, so the page is given a few reads' time to show every line of it.
    deadline = time.monotonic() + 10
    while (shown := raw_line_count(page)) < len(output.splitlines()) and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    assert shown > 0
    assert shown == len(output.splitlines())  # a last line without its newline counts once the stream ends


SCROLLER = "document.querySelector('.aod-transcript')"


def test_the_transcript_follows_the_tail_until_the_reader_scrolls_up(page: Page, dashboard):
    launch(page, dashboard, 'Keep building.\nscenario: long')
    at_end = f'(() => {{ const c = {SCROLLER}; return c.scrollHeight - c.scrollTop - c.clientHeight < 40; }})()'
    page.wait_for_function(f'(() => {{ const c = {SCROLLER}; return c && c.scrollHeight > c.clientHeight + 300; }})()',
                           timeout=60_000)
    text = page.evaluate(f'{SCROLLER}.innerText')
    page.wait_for_function(f'{SCROLLER}.innerText != {json.dumps(text)}')
    page.wait_for_function(at_end)  # output keeps coming and the page keeps up with it
    page.locator('.aod-transcript').hover()
    page.mouse.wheel(0, -100_000)  # the reader goes back to read
    jump = page.get_by_role('button', name='Jump to latest')
    expect(jump).to_be_visible()
    page.wait_for_timeout(2000)  # output goes on meanwhile (some 100 lines)
    assert page.evaluate(f'{SCROLLER}.scrollTop') < 50  # and neither pulls the reader away nor moves the text
    screenshot(page, 'session-reading-history')
    jump.click()
    page.wait_for_function(at_end)
    expect(jump).to_be_hidden()
    text = page.evaluate(f'{SCROLLER}.innerText')
    page.wait_for_function(f'{SCROLLER}.innerText != {json.dumps(text)}')
    page.wait_for_function(at_end)  # following again
    page.get_by_role('button', name='Stop', exact=True).click()
    page.get_by_role('button', name='Stop session').click()
    expect(page.get_by_text('terminated', exact=True).first).to_be_visible()


def test_live_output_arrives_once_and_only_as_its_new_lines(page: Page, dashboard):
    launch(page, dashboard, 'Count.\nscenario: chatty\nrate: 40\nevents: 240\nwait: 4', agent='codex-refactor')
    page.wait_for_function('window.socket && window.socket.connected')
    page.evaluate("window.__sent = []; window.socket.onAny((kind, data) => window.__sent.push(JSON.stringify(data)))")
    expect(page.get_by_text('Agent exited with code 0')).to_be_visible(timeout=60_000)
    ticks = [f'tick {n}' for n in range(1, 241)]

    def counts(text: str) -> list[int]:
        return [len(re.findall(rf'\b{tick}\b', text)) for tick in ticks]
    assert counts(page.evaluate(f'{SCROLLER}.innerText')) == [1] * 240
    sent = page.evaluate('window.__sent')
    appended = [message for message in sent if 'aodAppend(' in message]
    # the live lines went out as appends to the block they join: AoD reads every 0.5 s, so the 6 s of output come
    # in about a dozen bursts
    assert len(appended) >= 8
    assert page.evaluate('window.runJavascript.aodAppends')  # and the page reads them without compiling code
    assert sum(counts(''.join(sent))) < 2 * 240  # each line crossed the wire about once, not with every push
    page.reload()
    expect(page.get_by_text('Agent exited with code 0')).to_be_visible()
    assert counts(page.evaluate(f'{SCROLLER}.innerText')) == [1] * 240
    page.get_by_role('tab', name='Raw output').click()
    expect(page.get_by_text('Lines 1–240 of 240')).to_be_visible()
    assert counts(page.locator('[data-testid=raw], .bg-grey-10').first.inner_text()) == [1] * 240


def test_follow_up_then_delete(page: Page, dashboard):
    launch(page, dashboard, 'Rename the helpers.\nscenario: success')
    expect(page.get_by_text('Agent exited with code 0')).to_be_visible(timeout=30_000)
    box = page.get_by_placeholder('Follow-up prompt (Ctrl+Enter sends)')
    expect(box).to_be_enabled()
    box.fill('Also update the docs.')
    box.press('Control+Enter')
    expect(page.get_by_text('Turn 2', exact=True)).to_be_visible()
    expect(page.get_by_text('Also update the docs.').first).to_be_visible()
    expect(page.get_by_text('Agent exited with code 0')).to_have_count(2, timeout=30_000)
    page.get_by_role('button', name='Delete', exact=True).click()
    page.get_by_role('dialog').get_by_role('button', name='Delete', exact=True).click()
    page.wait_for_url(re.compile(r'.*/(\?scope=\w+)?$'))  # the list names its scope in its address
    expect(page.get_by_text('Session deleted.')).to_be_visible()


def test_hostile_text_never_runs(page: Page, dashboard):
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> **bold**'
    launch(page, dashboard, hostile + '\nscenario: success')
    expect(page.get_by_text(hostile).first).to_be_visible()
    page.goto(dashboard.url)
    expect(page.get_by_text(hostile).first).to_be_visible()
    assert page.evaluate('window.__pwned') is None
    assert page.locator('img[src="x"]').count() == 0


def test_the_token_never_reaches_the_browser(browser, dashboard):
    context = browser.new_context()
    page = context.new_page()
    seen: list[str] = []
    page.on('websocket', lambda ws: (ws.on('framereceived', lambda frame: seen.append(str(frame))),
                                      ws.on('framesent', lambda frame: seen.append(str(frame)))))

    def keep_body(response) -> None:
        try:
            seen.append(response.text())
        except Exception:  # bodies of redirects and aborted requests are not available
            seen.append(str(response.headers))
    page.on('response', keep_body)
    launch(page, dashboard, 'Look for secrets.\nscenario: success')
    expect(page.get_by_text('Agent exited with code 0')).to_be_visible(timeout=30_000)
    page.get_by_role('button', name='Delete', exact=True).click()
    page.get_by_role('dialog').get_by_role('button', name='Delete', exact=True).click()
    page.wait_for_url(re.compile(r'.*/(\?scope=\w+)?$'))  # the list names its scope in its address
    page.goto(f'{dashboard.url}/healthz')
    context.close()
    assert seen
    assert not [item for item in seen if DASHBOARD_TOKEN in item]


def test_phone_layout(browser, dashboard):
    context = browser.new_context(viewport={'width': 390, 'height': 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    launch(page, dashboard, 'Check status from a phone.\nscenario: long')
    expect(page.get_by_role('button', name='Stop', exact=True)).to_be_visible()
    screenshot(page, 'session-phone')
    page.get_by_role('button', name='Stop', exact=True).click()
    page.get_by_role('button', name='Stop session').click()
    expect(page.get_by_text('terminated', exact=True).first).to_be_visible()
    page.goto(dashboard.url)
    screenshot(page, 'sessions-list-phone')
    context.close()


def test_keyboard_shortcuts_and_dark_mode(page: Page, dashboard):
    page.goto(dashboard.url)
    expect(page.get_by_placeholder('Search prompts and transcripts (/)')).to_be_visible()
    page.locator('body').press('/')
    expect(page.get_by_placeholder('Search prompts and transcripts (/)')).to_be_focused()
    page.get_by_placeholder('Search prompts and transcripts (/)').press('Escape')
    page.locator('body').click(position={'x': 5, 'y': 300})
    page.keyboard.press('n')
    page.wait_for_url(re.compile(r'.*/new$'))
    page.get_by_role('button').filter(has_text='dark_mode').click()
    expect(page.locator('body.body--dark')).to_have_count(1)
    screenshot(page, 'new-session-dark')


CLASS_WATCH = '''() => {
  const seen = new Set();
  const note = (element) => { for (const name of element.classList || []) seen.add(name); };
  document.querySelectorAll('[class]').forEach(note);
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes') note(record.target);
      for (const node of record.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE) [node, ...node.querySelectorAll('[class]')].forEach(note);
      }
    }
  }).observe(document.documentElement, {attributes: true, attributeFilter: ['class'], childList: true, subtree: true});
  window.__classes = () => [...seen];
}'''
"""Keeps every class name the page shows from now on, including those of elements that come and go."""


@pytest.mark.parametrize('agent, scenario', [('code-review', 'success'), ('code-review', 'fail-exit'),
                                             ('codex-refactor', 'fail-exit')])
def test_every_tailwind_class_a_live_session_shows_is_in_the_built_stylesheet(page: Page, dashboard, agent, scenario):
    # The pages' Tailwind stylesheet is built ahead of time from the class names in the code, and no compiler runs in
    # the browser: a class a live update brings that the build did not see would leave its element unstyled
    launch(page, dashboard, f'Tidy up the tests.\nscenario: {scenario}\nwait: 3', agent=agent)
    page.wait_for_function('window.socket && window.socket.connected')
    page.evaluate(CLASS_WATCH)
    expect(page.get_by_text(re.compile(r'^Agent exited with code'))).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(r'^Session (finished|failed)'))).to_be_visible()
    page.wait_for_timeout(300)
    seen = set(page.evaluate('window.__classes()'))
    assert {'w-full', 'font-mono'} <= utilities(seen)  # the watch saw the transcript's classes
    missing = unstyled(seen, page.evaluate(SELECTORS))
    assert not missing, f'Tailwind classes no stylesheet of the page styles (make styles?): {sorted(missing)}'


def test_pages_are_styled_by_the_built_stylesheet_with_no_compiler_in_the_browser(page: Page, dashboard):
    # NiceGUI's in-browser Tailwind compiler is a 260 KB script, styles a page only after reading it, rebuilt the whole
    # stylesheet at a live session's first output and kept a timing entry per build; the built file replaces it
    for path in ('/login', '/'):
        response = page.goto(dashboard.url + path)
        assert response is not None and response.ok
        assert 'tailwindcss.min.js' not in page.content()
        link = page.locator('link[rel=stylesheet][href^="/_aod/styles."]')
        expect(link).to_have_count(1)
        css = page.request.get(dashboard.url + link.get_attribute('href'))
        assert css.ok and css.headers['content-type'].startswith('text/css')
        assert 'immutable' in css.headers['cache-control']
        assert css.body() == STYLES.read_bytes()
    # a Tailwind utility is applied (max-w-6xl: the main column's width on a wide screen)
    page.set_viewport_size({'width': 1600, 'height': 900})
    assert page.locator('.max-w-6xl').first.evaluate('(e) => getComputedStyle(e).maxWidth') == '1152px'  # 72rem
