"""Every page on a phone (390x844), on a phone in dark mode and on a desktop (1440x900) in real Chromium: nothing
wider than the screen, no header controls on top of each other, every link the person may follow in the header's
menu, and no serious or critical accessibility violation that axe-core finds, in light and in dark.

One dashboard, one browser; the three screens are looked at side by side (a context each), which keeps the whole
file well under two minutes. Screenshots of every page land in ./screenshots/layout-*.png."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from aod_ui.services._passwords import hash_password
from storage import User, open_store

from ..helpers import CODE_REVIEW, DASHBOARD_TOKEN
from .axe import ensure_axe, serious_violations
from .conftest import CHROMIUM_ARGS, SCREENSHOTS, Dashboard
from .styled import SELECTORS, unstyled

PASSWORD = 'layout-password-123'
WORD = 'quokka'
LONG_TOKEN = 'refactor_' + 'the_session_title_handling_everywhere_' * 3 + 'now'
PHONE = {'width': 390, 'height': 844}
DESKTOP = {'width': 1440, 'height': 900}
WAIT = 30_000

CLASSES = '() => [...new Set([...document.querySelectorAll("[class]")].flatMap((e) => [...e.classList]))]'

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
        if (el.classList.contains('q-loading-bar')) continue;  // Quasar's bar over the top while a request runs
        found.push(`<${el.tagName.toLowerCase()} class="${el.className}"> spans ${Math.round(box.left)}..`
                   + `${Math.round(box.right)} px: ${(el.innerText || '').slice(0, 40)}`);
    }
    for (const el of document.body.querySelectorAll('*')) {  // and what makes people scroll sideways to read it
        const style = getComputedStyle(el);
        if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1
                && !el.matches('textarea, input, .q-tabs__content'))
            found.push(`<${el.tagName.toLowerCase()} class="${el.className}"> scrolls sideways: `
                       + `${el.scrollWidth} px in ${el.clientWidth}`);
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
    url: str
    running: str = ''
    finished: str = ''
    changed: str = ''
    classes: set[str] = field(default_factory=set)
    selectors: str = ''
    """The style rules of a page (every page has the same stylesheets)."""
    """Every class name the pages showed, for the check that the built stylesheet styles them all."""


@pytest.fixture(scope='module')
def local_dashboard(simulator, chromium_path, tmp_path_factory) -> Iterator[Dashboard]:
    """A dashboard with local accounts: an admin (ada) and a member (max)."""
    ensure_axe()
    data = tmp_path_factory.mktemp('layout') / 'data'
    store = open_store(data)
    store.users.add(User(username='ada', role='admin', password_hash=hash_password(PASSWORD)))
    store.users.add(User(username='max', role='member', password_hash=hash_password(PASSWORD)))
    store.close()
    env = {'AOD_API_URL': simulator.url, 'AOD_API_TOKEN': DASHBOARD_TOKEN, 'AOD_UI_AUTH': 'local',
           'AOD_UI_STORAGE_SECRET': 'browser-test-storage-secret-0123456789abcdef', 'AOD_UI_REFRESH_SECONDS': '2',
           'AOD_UI_LOG_LEVEL': 'warning', 'AOD_UI_SECURE_COOKIES': 'false'}
    server = Dashboard(env, data)
    yield server
    server.stop()


async def new_context(browser: Browser, mode: str) -> BrowserContext:
    phone = mode != 'desktop'
    return await browser.new_context(viewport=PHONE if phone else DESKTOP, is_mobile=phone, has_touch=phone,
                                     color_scheme='dark' if mode == 'dark' else 'light')


async def sign_in(context: BrowserContext, url: str, username: str) -> Page:
    page = await context.new_page()
    page.set_default_timeout(WAIT)
    await page.goto(f'{url}/login')
    await page.get_by_label('Username').fill(username)
    await page.get_by_label('Password', exact=True).fill(PASSWORD)
    await page.get_by_role('button', name='Sign in').click()
    await page.wait_for_url(re.compile(r'.*/$'))
    return page


async def launch(page: Page, url: str, prompt: str, agent: str) -> str:
    await page.goto(f'{url}/new?agent={agent}')
    await page.get_by_label('Prompt').fill(prompt)
    await page.get_by_role('button', name='Start session').click()
    await page.wait_for_url(re.compile(r'.*/sessions/[0-9a-f-]+$'))
    return page.url.rsplit('/', 1)[-1]


def pages(site: Site) -> list[tuple[str, str, str]]:
    """(name, path, what shows that the page is ready: a text, or `css=` a selector)."""
    return [
        ('sessions', '/', 'Keep the build going'),
        ('new-session', '/new', 'Start session'),
        ('session-running', f'/sessions/{site.running}', 'Live: following'),
        ('session-finished', f'/sessions/{site.finished}', 'Agent exited with code 0'),
        ('session-changes', f'/sessions/{site.changed}', 'Deleted upstream'),
        ('people', '/people', 'max'),
        ('audit', '/audit', 'entries'),
        ('operations', '/operations', 'css=.aod-chart svg text'),
        ('api-tokens', '/tokens', 'Your tokens'),
        ('search', f'/?q={WORD}', 'css=mark'),
    ]


async def look(page: Page, name: str, site: Site | None = None) -> list[str]:
    """What is wrong with the page as it is now (its screenshot is saved, to look at); its class names are added to
    the site's."""
    await page.wait_for_timeout(300)  # the last pushes settle
    if site is not None:
        site.classes.update(await page.evaluate(CLASSES))
        site.selectors = site.selectors or await page.evaluate(SELECTORS)
    await page.screenshot(path=str(SCREENSHOTS / f'layout-{name}.png'), full_page=True)
    problems = await page.evaluate(OVERFLOW)
    if await page.locator('.q-header').count():
        problems += await page.evaluate(HEADER_OVERLAPS)
    problems += await serious_violations(page)
    return [f'{name}: {problem}' for problem in problems]


async def open_page(page: Page, site: Site, name: str, path: str, ready: str) -> None:
    target = page.locator(ready) if ready.startswith('css=') else page.get_by_text(ready)
    for _ in range(20):  # a session is found by search a moment after its output is archived: look again until then
        await page.goto(site.url + path)
        try:
            await expect(target.first).to_be_visible(timeout=WAIT if name != 'search' else 2000)
            break
        except AssertionError:
            if name != 'search':
                raise
    if name == 'session-finished':  # a tool call opened: its input and result are what people read closely
        tool = page.locator('.q-card--bordered .q-expansion-item__container > .q-item').first
        await tool.scroll_into_view_if_needed()
        await tool.click()
        await expect(page.get_by_text('Input', exact=True).first).to_be_visible()
    if name == 'session-changes':  # the diffs, their counts and links
        await page.get_by_role('tab', name=re.compile('Changes')).click()
        await expect(page.get_by_text('CHANGELOG.md').first).to_be_visible()


async def check_mode(browser: Browser, site: Site, mode: str) -> list[str]:
    context = await new_context(browser, mode)
    signed_out = await context.new_page()
    await signed_out.goto(f'{site.url}/login')
    await expect(signed_out.get_by_role('button', name='Sign in')).to_be_visible(timeout=WAIT)
    problems = await look(signed_out, f'login-{mode}', site)
    await signed_out.close()
    page = await sign_in(context, site.url, 'ada')
    if mode == 'dark':
        await page.get_by_role('button', name='Dark mode').click()
        await expect(page.locator('body.body--dark')).to_have_count(1)
    for name, path, ready in pages(site):
        await open_page(page, site, name, path, ready)
        if mode == 'dark':
            await expect(page.locator('body.body--dark')).to_have_count(1)
        problems += await look(page, f'{name}-{mode}', site)
        if name == 'session-running':  # its actions side by side, on a line of their own on a phone
            boxes = [await page.get_by_role('button', name=button, exact=True).bounding_box()
                     for button in ('Stop', 'Stop, then delete', 'Download')]
            middles = [box['y'] + box['height'] / 2 for box in boxes]
            if max(middles) - min(middles) > 4:
                problems.append(f'{name}-{mode}: the session\'s actions are not on one line: {boxes}')
    if mode != 'desktop':
        problems += await check_menu(page, f'menu-ada-{mode}', admin=True)
    await context.close()
    return problems


async def check_menu(page: Page, name: str, *, admin: bool) -> list[str]:
    """The phone's header menu holds every link the person may follow, and only those."""
    await page.get_by_role('button', name='Menu').click()
    menu = page.get_by_role('menu')
    links = ['Sessions', 'New session'] + (['People', 'Audit trail', 'Operations'] if admin else []) + ['API tokens']
    await expect(menu.get_by_role('menuitem')).to_have_count(len(links))
    assert await menu.get_by_role('menuitem').all_inner_texts() == links
    problems = await look(page, name)
    await menu.get_by_role('menuitem', name='API tokens').click()
    await page.wait_for_url(re.compile(r'.*/tokens$'))
    return problems


async def check_member_menu(browser: Browser, site: Site) -> list[str]:
    context = await new_context(browser, 'phone')
    page = await sign_in(context, site.url, 'max')
    problems = await check_menu(page, 'menu-max-phone', admin=False)
    await context.close()
    return problems


async def test_every_page_fits_a_phone_a_desktop_and_dark_mode_and_passes_axe(local_dashboard, chromium_path,
                                                                              simulator):
    SCREENSHOTS.mkdir(exist_ok=True)
    site = Site(local_dashboard.url)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        setup = await new_context(browser, 'desktop')
        page = await sign_in(setup, site.url, 'ada')
        site.finished = await launch(page, site.url, f'{LONG_TOKEN}\nFix the {WORD} parser.\nscenario: success',
                                     'code-review')
        # what the agent changed (files, lines, pull request and branch links), then deleted in AoD by someone else
        site.changed = await launch(page, site.url, 'Fix the crash in parse_line.\nscenario: success', 'bug-fix')
        await expect(page.get_by_text('Agent exited with code 0')).to_be_visible(timeout=WAIT)
        async with httpx.AsyncClient(base_url=simulator.url, timeout=10,
                                     headers={'Authorization': f'Bearer {DASHBOARD_TOKEN}'}) as aod:
            (await aod.delete(f'/sessions/{site.changed}/delete')).raise_for_status()
            started = await aod.post('/sessions', json={  # and one started outside the dashboard
                'agent_id': CODE_REVIEW, 'prompt': f'{LONG_TOKEN} from a script\nscenario: success'})
            started.raise_for_status()
        await page.goto(site.url)  # the list marks both: their notes are read for width and contrast too
        await expect(page.get_by_text('deleted upstream, kept in the archive')).to_be_visible(timeout=WAIT)
        await expect(page.get_by_text('started outside the dashboard').first).to_be_visible(timeout=WAIT)
        site.running = await launch(page, site.url, 'Keep the build going while the pages are looked at.\n'
                                    'scenario: long', 'codex-refactor')
        await expect(page.get_by_text('Live: following')).to_be_visible()
        try:
            found = await asyncio.gather(*(check_mode(browser, site, mode) for mode in ('phone', 'dark', 'desktop')),
                                         check_member_menu(browser, site))
        finally:
            await page.get_by_role('button', name='Stop', exact=True).click()
            await page.get_by_role('button', name='Stop session').click()
            await expect(page.get_by_text('terminated', exact=True).first).to_be_visible()
            await browser.close()
    problems = [problem for mode in found for problem in mode]
    assert not problems, '\n'.join(problems)
    # Tailwind's classes come from a stylesheet built ahead of time from the code's class names: one a page shows
    # that the build did not see (a name put together at run time) would leave its element unstyled
    missing = unstyled(site.classes, site.selectors)
    assert not missing, f'Tailwind classes no stylesheet of the pages styles (make styles?): {sorted(missing)}'
