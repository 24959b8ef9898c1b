"""Forged forwarded headers, other sites' Host and Origin, and an anonymous flood of the browser log, against a
real dashboard process."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from .raw_page import RawPage


async def test_a_forged_forwarded_for_does_not_make_a_proxy_of_anyone(dashboard_at):
    # the sign-in proxy is at 10.0.0.1; a request from the machine itself claims to have passed through it
    server = dashboard_at(AOD_UI_AUTH='header', AOD_UI_TRUSTED_PROXIES='10.0.0.1')
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.get('/', headers={'X-Forwarded-For': '10.0.0.1', 'X-Forwarded-Email': 'ada'})
        assert response.status_code == 303 and response.headers['location'].startswith('/login')
        response = await client.get('/healthz', headers={'X-Forwarded-For': '10.0.0.1',
                                                         'X-Forwarded-Email': 'ada'})
        assert response.json() == {'status': 'up'}


async def sign_in_once(base_url: str, name: str, forwarded_for: str) -> str:
    async with httpx.AsyncClient(base_url=base_url) as http:
        page = await RawPage.open(http, '/login', headers={'X-Forwarded-For': forwarded_for})
        await page.connect()
        try:
            await page.send(page.find(label='Username'), 'update:value', name)
            await page.send(page.find(label='Password'), 'update:value', 'not-the-password')
            await page.send(page.find(label='Sign in'), 'click', {})
            for _ in range(200):
                if 'Wrong username or password' in page.texts() or 'Too many failed sign-ins' in page.texts():
                    break
                await asyncio.sleep(0.05)
            return 'limited' if 'Too many failed sign-ins' in page.texts() else 'checked'
        finally:
            await page.close()


async def test_only_a_trusted_proxy_decides_which_address_is_limited(dashboard_at):
    server = dashboard_at()  # no proxy configured: X-Forwarded-For means nothing, however it rotates
    outcomes = [await sign_in_once(server.url, f'person{n}', f'198.51.100.{n}') for n in range(24)]
    assert outcomes[:20] == ['checked'] * 20
    assert outcomes[20:] == ['limited'] * 4
    proxied = dashboard_at(AOD_UI_TRUSTED_PROXIES='127.0.0.1')  # behind a proxy on this machine: its word counts
    outcomes = [await sign_in_once(proxied.url, f'person{n}', f'198.51.100.{n % 2}') for n in range(42)]
    assert outcomes.count('checked') == 40  # two people behind the proxy, twenty guesses each
    assert (await sign_in_once(proxied.url, 'someone', '198.51.100.77')) == 'checked'


async def test_a_socket_speaks_only_for_its_own_page(dashboard_at):
    server = dashboard_at()
    async with httpx.AsyncClient(base_url=server.url) as mallory, httpx.AsyncClient(base_url=server.url) as victim:
        own = await RawPage.open(mallory, '/login')
        theirs = await RawPage.open(victim, '/login')
        await own.connect()
        await theirs.connect()
        try:
            # mallory's socket sends events naming the victim's page (its id leaked somehow)
            own.client_id = theirs.client_id
            own.elements = theirs.elements
            await own.send(theirs.find(label='Username'), 'update:value', 'ada')
            await own.send(theirs.find(label='Sign in'), 'click', {})
            await asyncio.sleep(1.0)
            assert 'Wrong username or password' not in theirs.texts()
            await theirs.send(theirs.find(label='Sign in'), 'click', {})  # the page's own socket still works
            await theirs.wait_for('Wrong username or password')
        finally:
            await own.close()
            await theirs.close()


async def test_an_anonymous_page_cannot_flood_the_log(dashboard_at):
    server = dashboard_at()
    before = server.log.stat().st_size
    async with httpx.AsyncClient(base_url=server.url) as http:
        page = await RawPage.open(http, '/login')
        await page.connect()
        for n in range(200):
            await page.log('error', f'{n}\n2026-01-01 00:00:00 CRITICAL forged: the admin password is hunter2' +
                           'x' * 90_000)
        await page.log('no-such-level', 'ignored')
        await asyncio.sleep(1.0)
        await page.close()
    grown = server.log.read_text()[before:]
    assert len(grown) < 50_000
    assert grown.count('aod_ui.browser: page ') == 20  # the page's first lines, shortened, and nothing after
    assert '\n2026-01-01 00:00:00 CRITICAL forged' not in grown  # a forged line never starts a line of its own


@pytest.mark.parametrize(('headers', 'answered'), [
    ({}, True),
    ({'Host': 'evil.example'}, False),
    ({'Origin': 'http://evil.example'}, False),
])
async def test_without_sign_in_other_names_and_sites_are_refused(dashboard_at, headers, answered):
    server = dashboard_at(AOD_UI_AUTH='none')
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.get('/', headers=headers)
        assert (response.status_code == 200) is answered
        if not answered:
            assert 'AoD' not in response.text or 'refused' in response.text or 'answers only' in response.text
            return
        page = RawPage(http, response.text)
        with pytest.raises(Exception):  # noqa: B017  # the websocket from another site is closed before it opens
            await page.connect(headers={'Origin': 'http://evil.example'})
        await page.connect(headers={'Origin': server.url})
        await page.close()
