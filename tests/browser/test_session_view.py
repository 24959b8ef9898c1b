"""The session page as a person sees it in Chromium: provisioning, the transcript sized to the window with the
follow-up box in view, following and pausing, stderr colours, a stop, and a long session's start."""

from __future__ import annotations

import colorsys
import re

import pytest
from playwright.sync_api import Page, expect

from ..helpers import DASHBOARD_TOKEN
from .conftest import Dashboard, screenshot
from .test_e2e import launch

SCROLLER = "document.querySelector('.aod-transcript')"
AT_END = f'(() => {{ const c = {SCROLLER}; return c.scrollHeight - c.scrollTop - c.clientHeight < 40; }})()'


@pytest.fixture(scope='module')
def dashboard(simulator, tmp_path_factory):
    """This module's dashboard flags a silent agent after 3 s instead of 2 min, so a test can watch it happen, and
    holds the least a dashboard may (2,000 events and lines), so a long session outgrows it quickly."""
    env = {'AOD_API_URL': simulator.url, 'AOD_API_TOKEN': DASHBOARD_TOKEN,
           'AOD_UI_STORAGE_SECRET': 'browser-test-storage-secret-0123456789abcdef', 'AOD_UI_REFRESH_SECONDS': '1',
           'AOD_UI_LOG_LEVEL': 'warning', 'AOD_UI_AUTH': 'none', 'AOD_UI_SECURE_COOKIES': 'false',
           'AOD_UI_QUIET_SECONDS': '3', 'AOD_UI_STREAM_HOLD': '2000'}
    server = Dashboard(env, tmp_path_factory.mktemp('dashboard'))
    yield server
    server.stop()


def in_window(page: Page, locator) -> bool:
    """Whether the element's box lies inside the window, as the page first shows it."""
    box = locator.bounding_box()
    return box is not None and box['y'] >= 0 and box['y'] + box['height'] <= page.viewport_size['height'] + 1


def stop(page: Page) -> None:
    page.get_by_role('button', name='Stop', exact=True).click()
    page.get_by_role('button', name='Stop session').click()


@pytest.fixture(params=[(1440, 900, 'light'), (390, 844, 'light'), (1440, 900, 'dark')],
                ids=['desktop', 'phone', 'dark'])
def shown(request, browser):
    width, height, scheme = request.param
    context = browser.new_context(viewport={'width': width, 'height': height}, color_scheme=scheme,
                                  is_mobile=width < 500, has_touch=width < 500)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page, request.node.callspec.id
    context.close()


def test_provisioning_is_said_in_the_transcript(shown, dashboard):
    page, name = shown
    launch(page, dashboard, 'Set up the sandbox.\nscenario: success\nprovision: 6', agent='code-review')
    notice = page.get_by_text('Preparing the sandbox: the agent starts once provisioning is done.')
    expect(page.get_by_text(re.compile(r'^Now: create sprite · \d+ s so far'))).to_be_visible()
    expect(page.get_by_text(re.compile(r'Provisioning usually takes about|has kept no provisioned session'))) \
        .to_be_visible()
    assert notice.is_visible()
    screenshot(page, f'session-provisioning-{name}')
    expect(notice).to_be_hidden(timeout=30_000)
    expect(page.get_by_text('Agent exited with code 0')).to_be_visible(timeout=30_000)


def test_the_tail_and_the_follow_up_box_are_in_the_window(shown, dashboard):
    page, name = shown
    launch(page, dashboard, 'Review the retry logic.\nscenario: success', agent='code-review')
    expect(page.get_by_text('Agent exited with code 0')).to_be_visible(timeout=30_000)
    page.evaluate('window.scrollTo(0, 0)')
    page.wait_for_function(AT_END)
    box = page.locator('.aod-transcript')
    followup = page.get_by_placeholder('Follow-up prompt (Ctrl+Enter sends)')
    if name != 'phone':  # a phone's header is taller than what is left: there the page scrolls
        assert in_window(page, box)
        assert in_window(page, followup)
    screenshot(page, f'session-finished-{name}')


RGB = '''(element) => {  // the background as sRGB, whatever colour space the style names it in (oklch)
  const canvas = document.createElement('canvas'); canvas.width = canvas.height = 1;
  const context = canvas.getContext('2d');
  context.fillStyle = getComputedStyle(element).backgroundColor; context.fillRect(0, 0, 1, 1);
  return [...context.getImageData(0, 0, 1, 1).data].slice(0, 3);
}'''


def rgb(locator) -> tuple[int, int, int]:
    red, green, blue = locator.evaluate(RGB)
    return red, green, blue


def reddish(colour: tuple[int, int, int]) -> bool:
    """A red hue (amber's is about 45°): light and dark backgrounds alike."""
    hue, _, saturation = colorsys.rgb_to_hls(*(c / 255 for c in colour))
    return saturation > 0.1 and (hue < 20 / 360 or hue > 340 / 360)


def test_stderr_is_red_only_where_it_reports_a_failure(shown, dashboard):
    page, name = shown
    launch(page, dashboard, 'Fix the failing build.\nscenario: fail-exit', agent='code-review')
    expect(page.get_by_text(re.compile(r'^Agent exited with code [1-9]'))).to_be_visible(timeout=30_000)
    banner = page.locator('.aod-transcript').get_by_text(re.compile('^claude-code 2.0.14')).first
    failure = page.locator('.aod-transcript').get_by_text(re.compile('^Error: agent stopped')).first
    assert not reddish(rgb(banner)) and reddish(rgb(failure))
    failure.evaluate('(element) => element.scrollIntoView({block: "center"})')
    screenshot(page, f'session-failed-stderr-{name}')


def test_following_switches_off_when_the_reader_scrolls_up_and_on_at_the_bottom(page: Page, dashboard):
    page.set_viewport_size({'width': 1440, 'height': 900})
    launch(page, dashboard, 'Keep building.\nscenario: long', agent='code-review')
    expect(page.get_by_text("Live: following the agent's output")).to_be_visible()
    page.wait_for_function(f'(() => {{ const c = {SCROLLER}; return c && c.scrollHeight > c.clientHeight + 300; }})()',
                           timeout=60_000)
    page.locator('.aod-transcript').hover()
    page.mouse.wheel(0, -100_000)
    expect(page.get_by_text(re.compile('^Live: paused while you read'))).to_be_visible()
    screenshot(page, 'session-paused-desktop')
    page.mouse.wheel(0, 200_000)  # back to the bottom: following again
    expect(page.get_by_text("Live: following the agent's output")).to_be_visible()
    expect(page.get_by_role('button', name='Jump to latest')).to_be_hidden()
    stop(page)
    expect(page.get_by_text('terminated', exact=True).first).to_be_visible()
    page.wait_for_timeout(1500)  # the stream's own `terminated` has come too
    toasts = page.locator('.q-notification >> visible=true')
    assert toasts.all_inner_texts() == ['priority_high\nSession was stopped: Keep building.']  # one toast, one stop
    expect(page.locator('.aod-transcript .q-spinner >> visible=true')).to_have_count(0)  # no tool call left running
    assert '{"type"' not in page.evaluate(f'{SCROLLER}.innerText')  # no raw fragment of a cut line
    screenshot(page, 'session-stopped-desktop')


def test_jump_to_start_of_a_long_session_and_back(page: Page, dashboard):
    page.set_viewport_size({'width': 1440, 'height': 900})
    launch(page, dashboard, 'Count.\nscenario: chatty\nevents: 400', agent='code-review')
    expect(page.get_by_text('Agent exited with code 0')).to_be_visible(timeout=60_000)
    page.get_by_role('button', name='Jump to the start').click()
    expect(page.get_by_text('tick 1', exact=True)).to_be_visible()
    assert page.evaluate(f'{SCROLLER}.scrollTop') < 50
    expect(page.get_by_text(re.compile(r'^Show \d+ later of \d+ entries'))).to_be_attached()
    screenshot(page, 'session-jumped-to-start-desktop')
    page.get_by_placeholder('Find in this session').fill('tick 398')
    expect(page.get_by_text('1 of 1')).to_be_visible()
    page.get_by_role('button', name='Jump to the end').click()
    page.wait_for_function(AT_END)
    expect(page.get_by_text('Agent exited with code 0')).to_be_visible()


def test_a_silent_agent_is_flagged_in_the_live_line(shown, dashboard):
    page, name = shown
    launch(page, dashboard, 'Wait for the lock.\nscenario: stall', agent='code-review')
    expect(page.get_by_text(re.compile(r'^No output for \d+ s: the agent may be thinking, waiting or stuck'))) \
        .to_be_visible(timeout=20_000)
    screenshot(page, f'session-quiet-{name}')
    stop(page)
    expect(page.get_by_text('terminated', exact=True).first).to_be_visible()


def test_find_says_when_the_words_are_only_in_output_let_go(page: Page, dashboard):
    page.set_viewport_size({'width': 1440, 'height': 900})
    launch(page, dashboard, 'Print a lot.\nscenario: huge\nlines: 9000')
    expect(page.get_by_text('Agent exited with code 0')).to_be_visible(timeout=60_000)
    page.get_by_placeholder('Find in this session').fill('build log line 17: ok')
    expect(page.get_by_text('1 in earlier output', exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_text('1 match in earlier output this page no longer holds', exact=False)).to_be_visible()
    page.get_by_role('button', name='Jump to the start').click()
    expect(page.get_by_text(re.compile('earlier entries are no longer kept in the dashboard'))).to_be_visible()
    screenshot(page, 'session-find-beyond-the-hold-desktop')
