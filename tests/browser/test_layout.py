"""Every page on a phone (390x844), in dark mode and on a desktop (1440x900) in real Chromium: nothing wider than the
screen, no header controls on top of each other, every link reachable from the header's menu, and no serious or
critical accessibility violation that axe-core finds, in light and in dark."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from aod_ui.services._passwords import hash_password
from storage import User, open_store

from ..helpers import DASHBOARD_TOKEN
from .axe import ensure_axe, serious_violations
from .conftest import Dashboard, screenshot

PASSWORD = 'layout-password-123'
WORD = 'quokka'
LONG_TOKEN = 'refactor_' + 'the_session_title_handling_everywhere_' * 3 + 'now'
PHONE = {'width': 390, 'height': 844}
DESKTOP = {'width': 1440, 'height': 900}

OVERFLOW = '''() => {
    // what sticks out of the screen sideways, unless a container of its own clips or scrolls it
    const width = document.documentElement.clientWidth, found = [];
    const page = new Set([...document.querySelectorAll('.q-layout, .q-page-container, .q-page, .nicegui-content')]);
    const clipped = (el) => {
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            if (page.has(a)) continue;
            if (getComputedStyle(a).overflowX !== 'visible') return true;
        }
        return false;
    };
    if (document.documentElement.scrollWidth > width)
        found.push(`the page is ${document.documentElement.scrollWidth} px wide on a ${width} px screen`);
    for (const el of document.body.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (!box.width || !box.height || (box.right <= width + 1 && box.left >= -1) || clipped(el)) continue;
        if (getComputedStyle(el).position === 'fixed' && (box.left >= width || box.right <= 0)) continue;  // put away
        found.push(`<${el.tagName.toLowerCase()} class="${el.className}"> spans ${Math.round(box.left)}..`
                   + `${Math.round(box.right)} px: ${(el.innerText || '').slice(0, 40)}`);
    }
    return found.slice(0, 8);
}'''
HEADER_OVERLAPS = '''() => {
    const boxes = [...document.querySelectorAll('.q-header a, .q-header button')]
        .filter(el => el.offsetParent !== null)
        .map(el => [el, el.getBoundingClientRect()]).filter(([, b]) => b.width && b.height);
    const found = [];
    const name = (el) => el.getAttribute('aria-label') || el.innerText.trim();
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const [a, p] = boxes[i], [b, q] = boxes[j];
        if (a.contains(b) || b.contains(a)) continue;
        if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1)
            found.push(`"${name(a)}" and "${name(b)}" overlap`);
    }
    const header = document.querySelector('.q-header').getBoundingClientRect();
    if (header.height > 64) found.push(`the header is ${Math.round(header.height)} px high`);
    return found;
}'''


@dataclass
class Site:
    dashboard: Dashboard
    running: str
    finished: str


def sign_in(context: BrowserContext, url: str, username: str) -> Page:
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f'{url}/login')
    page.get_by_label('Username').fill(username)
    page.get_by_label('Password', exact=True).fill(PASSWORD)
    page.get_by_role('button', name='Sign in').click()
    page.wait_for_url(re.compile(r'.*/$'))
    return page


def launch(page: Page, url: str, prompt: str, agent: str) -> str:
    page.goto(f'{url}/new?agent={agent}')
    page.get_by_label('Prompt').fill(prompt)
    page.get_by_role('button', name='Start session').click()
    page.wait_for_url(re.compile(r'.*/sessions/[0-9a-f-]+$'))
    return page.url.rsplit('/', 1)[-1]


@pytest.fixture(scope='module')
def site(simulator, browser: Browser, tmp_path_factory) -> Iterator[Site]:
    ensure_axe()
    data = tmp_path_factory.mktemp('layout') / 'data'
    store = open_store(data)
    store.users.add(User(username='ada', role='admin', password_hash=hash_password(PASSWORD)))
    store.users.add(User(username='max', role='member', password_hash=hash_password(PASSWORD)))
    store.close()
    env = {'AOD_API_URL': simulator.url, 'AOD_API_TOKEN': DASHBOARD_TOKEN, 'AOD_UI_AUTH': 'local',
           'AOD_UI_STORAGE_SECRET': 'browser-test-storage-secret-0123456789abcdef', 'AOD_UI_REFRESH_SECONDS': '2',
           'AOD_UI_LOG_LEVEL': 'warning', 'AOD_UI_SECURE_COOKIES': 'false'}
    dashboard = Dashboard(env, data)
    context = browser.new_context(viewport=DESKTOP)
    page = sign_in(context, dashboard.url, 'ada')
    finished = launch(page, dashboard.url, f'{LONG_TOKEN}\nFix the {WORD} parser.\nscenario: success',
                      'code-review')
    expect(page.get_by_text('Agent exited with code 0')).to_be_visible(timeout=30_000)
    running = launch(page, dashboard.url, 'Keep the build going while the pages are looked at.\nscenario: long',
                     'codex-refactor')
    expect(page.get_by_text('Live: following')).to_be_visible()
    for _ in range(40):  # the finished session is searchable a moment after its output is archived
        page.goto(f'{dashboard.url}/?q={WORD}')
        if page.locator('mark').first.is_visible(timeout=1000) if page.locator('mark').count() else False:
            break
        page.wait_for_timeout(500)
    yield Site(dashboard, running, finished)
    page.goto(f'{dashboard.url}/sessions/{running}')
    page.get_by_role('button', name='Stop', exact=True).click()
    page.get_by_role('button', name='Stop session').click()
    expect(page.get_by_text('terminated', exact=True).first).to_be_visible()
    context.close()
    dashboard.stop()


def pages(site: Site) -> list[tuple[str, str, str]]:
    """(name, path, text that shows the page is ready)."""
    return [
        ('sessions', '/', 'Keep the build going'),
        ('new-session', '/new', 'Start session'),
        ('session-running', f'/sessions/{site.running}', 'Live: following'),
        ('session-finished', f'/sessions/{site.finished}', 'Agent exited with code 0'),
        ('search', f'/?q={WORD}', WORD),
        ('people', '/people', 'max'),
        ('audit', '/audit', 'entries'),
        ('operations', '/operations', 'Active sessions'),
        ('api-tokens', '/tokens', 'Your tokens'),
    ]


def look(page: Page, name: str) -> list[str]:
    """What is wrong with the page as it is now (its screenshot is saved to look at)."""
    page.wait_for_timeout(300)  # charts and late styles settle
    screenshot(page, f'layout-{name}')
    problems = page.evaluate(OVERFLOW)
    if page.locator('.q-header').count():
        problems += page.evaluate(HEADER_OVERLAPS)
    problems += serious_violations(page)
    return [f'{name}: {problem}' for problem in problems]


@pytest.mark.parametrize('mode', ['phone', 'dark', 'desktop'])
def test_every_page_fits_the_screen_and_passes_axe(browser: Browser, site: Site, mode: str):
    url = site.dashboard.url
    context = browser.new_context(viewport=DESKTOP if mode == 'desktop' else PHONE, is_mobile=mode != 'desktop',
                                  has_touch=mode != 'desktop', color_scheme='dark' if mode == 'dark' else 'light')
    signed_out = context.new_page()
    signed_out.goto(f'{url}/login')
    expect(signed_out.get_by_role('button', name='Sign in')).to_be_visible()
    problems = look(signed_out, f'login-{mode}')
    signed_out.close()
    page = sign_in(context, url, 'ada')
    if mode == 'dark':
        page.get_by_role('button', name='Dark mode').click()
        expect(page.locator('body.body--dark')).to_have_count(1)
    for name, path, ready in pages(site):
        page.goto(url + path)
        expect(page.get_by_text(ready).first).to_be_visible()
        if mode == 'dark':
            expect(page.locator('body.body--dark')).to_have_count(1)
        if name == 'session-finished':  # a tool call opened: its input and result are what people read closely
            page.locator('.q-card--bordered .q-expansion-item__container > .q-item').first.dispatch_event('click')
        problems += look(page, f'{name}-{mode}')
    context.close()
    assert not problems, '\n'.join(problems)


@pytest.mark.parametrize('username, admin', [('ada', True), ('max', False)])
def test_the_phone_menu_holds_every_link_the_person_may_follow(browser: Browser, site: Site, username: str,
                                                               admin: bool):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = sign_in(context, site.dashboard.url, username)
    page.get_by_role('button', name='Menu').click()
    menu = page.get_by_role('menu')
    expect(menu).to_be_visible()
    links = {'Sessions', 'New session', 'API tokens'} | ({'People', 'Audit trail', 'Operations'} if admin else set())
    for link in sorted(links):
        expect(menu.get_by_text(link, exact=True)).to_be_visible()
    expect(menu.get_by_role('menuitem')).to_have_count(len(links))
    screenshot(page, f'layout-phone-menu-{username}')
    assert not serious_violations(page)
    menu.get_by_text('API tokens', exact=True).click()
    page.wait_for_url(re.compile(r'.*/tokens$'))
    context.close()
