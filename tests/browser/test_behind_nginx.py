"""The dashboard behind a real nginx (Debian's package), configured exactly as docs/deploy.md says: the test takes
the nginx block from that file and changes only its ports and certificate paths. Chromium signs in over TLS, watches
a live session over the proxied websocket on every main page without a Content-Security-Policy violation, and a
client forging X-Forwarded-For gets nowhere."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from ..attacks.conftest import ACCOUNTS, start
from ..attacks.raw_page import RawPage
from .conftest import ROOT, free_port, screenshot

NGINX = shutil.which('nginx') or '/usr/sbin/nginx'
CSP_WATCH = '''document.addEventListener('securitypolicyviolation', (e) => {
  (window.__aodCsp = window.__aodCsp || []).push(`${e.violatedDirective} ${e.blockedURI}`);
});'''


def documented_nginx() -> str:
    text = (ROOT / 'docs' / 'deploy.md').read_text()
    block = re.search(r'<!-- nginx-begin -->\n```nginx\n(.*?)```\n<!-- nginx-end -->', text, re.S)
    assert block, 'docs/deploy.md lost its nginx block'
    return block.group(1)


def certificate(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, '127.0.0.1')])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / 'cert.pem', folder / 'key.pem'
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Nginx:
    def __init__(self, folder: Path, dashboard_port: int) -> None:
        if not Path(NGINX).exists():
            if os.environ.get('AOD_UI_REQUIRE_BROWSER'):
                pytest.fail('nginx is required for this test (apt-get install nginx-light)')
            pytest.skip('nginx not installed')
        folder.mkdir(parents=True, exist_ok=True)
        cert, key = certificate(folder)
        self.http_port, self.https_port = free_port(), free_port()
        site = documented_nginx()
        for old, new in (('listen 80;', f'listen 127.0.0.1:{self.http_port};'),
                         ('listen 443 ssl;', f'listen 127.0.0.1:{self.https_port} ssl;'),
                         ('/etc/letsencrypt/live/dash.example.com/fullchain.pem', str(cert)),
                         ('/etc/letsencrypt/live/dash.example.com/privkey.pem', str(key)),
                         ('http://127.0.0.1:8080', f'http://127.0.0.1:{dashboard_port}')):
            assert old in site
            site = site.replace(old, new)
        temp = folder / 'temp'
        temp.mkdir()
        config = folder / 'nginx.conf'
        config.write_text('\n'.join((
            'daemon off;', 'worker_processes 1;', 'user root;' if os.geteuid() == 0 else '',
            f'pid {folder}/nginx.pid;', f'error_log {folder}/error.log warn;', 'events {}', 'http {',
            f'access_log {folder}/access.log;', f'client_body_temp_path {temp}/body;', f'proxy_temp_path {temp}/proxy;',
            f'fastcgi_temp_path {temp}/fastcgi;', f'uwsgi_temp_path {temp}/uwsgi;', f'scgi_temp_path {temp}/scgi;',
            site, '}')))
        self.folder = folder
        self.process = subprocess.Popen([NGINX, '-p', str(folder), '-c', str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.STDOUT)
        self.url = f'https://127.0.0.1:{self.https_port}'
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(f'{self.url}/healthz', verify=False, timeout=2)
                return
            except httpx.HTTPError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError((folder / 'error.log').read_text()) from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture(scope='module')
def proxied(simulator, tmp_path_factory):
    folder = tmp_path_factory.mktemp('behind-nginx')
    dashboard = start(simulator, folder / 'data', AOD_UI_TRUSTED_PROXIES='127.0.0.1', AOD_UI_SECURE_COOKIES='',
                      AOD_UI_REFRESH_SECONDS='1')
    try:
        nginx = Nginx(folder / 'nginx', dashboard.port)
    except BaseException:
        dashboard.stop()
        raise
    yield nginx
    nginx.stop()
    dashboard.stop()


def violations(page: Page) -> list[str]:
    return page.evaluate('window.__aodCsp || []')


def test_sign_in_a_live_session_and_forged_addresses_through_nginx(browser, proxied):
    context = browser.new_context(ignore_https_errors=True, viewport={'width': 1280, 'height': 900})
    context.add_init_script(CSP_WATCH)
    console: list[str] = []
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on('console', lambda message: console.append(message.text) if message.type == 'error' else None)
    plain = httpx.get(f'http://127.0.0.1:{proxied.http_port}/', follow_redirects=False)
    assert plain.status_code == 301 and plain.headers['location'].startswith('https://')
    page.goto(f'{proxied.url}/new')
    expect(page).to_have_url(re.compile(r'.*/login\?next=/new$'))
    assert not violations(page)
    anonymous = next(c for c in context.cookies() if c['name'] == 'session')['value']
    page.get_by_label('Username').fill('ada')
    page.get_by_label('Password').fill(ACCOUNTS['ada'][1])
    page.get_by_role('button', name='Sign in').click()
    expect(page).to_have_url(f'{proxied.url}/new')
    cookie = next(c for c in context.cookies() if c['name'] == 'session')
    assert cookie['secure'] and cookie['httpOnly'] and cookie['value'] != anonymous  # a fresh browser id
    page.get_by_label('Prompt').fill('Behind nginx.\nscenario: long')
    page.get_by_role('button', name='Start session').click()
    page.wait_for_url(re.compile(r'.*/sessions/[0-9a-f-]+$'))
    expect(page.get_by_text('Live: following')).to_be_visible(timeout=30_000)
    assert page.evaluate('window.socket.io.engine.transport.name') == 'websocket'
    screenshot(page, 'behind-nginx-session')
    session_url = page.url
    for path in ('/', '/operations', '/people', '/audit'):
        page.goto(f'{proxied.url}{path}')
        expect(page.get_by_role('button', name='New session')).to_be_visible()
        page.wait_for_timeout(500)
        assert not violations(page), f'{path}: {violations(page)}'
    page.goto(session_url)
    page.get_by_role('button', name='Stop', exact=True).click()
    page.get_by_role('button', name='Stop session').click()
    expect(page.get_by_text('Session terminated')).to_be_visible()
    headers = httpx.get(f'{proxied.url}/login', verify=False).headers  # through nginx, as the dashboard sent them
    assert headers['x-frame-options'] == 'DENY' and "frame-ancestors 'none'" in headers['content-security-policy']
    assert not violations(page)
    assert not [line for line in console if 'Content Security Policy' in line], console
    page.get_by_text('account_circle').click()
    page.get_by_text('Sign out').click()
    expect(page).to_have_url(f'{proxied.url}/login')
    context.close()
    outcomes = forged_sign_ins(proxied)  # the dashboard limits the address nginx saw, whatever a client claims
    assert outcomes[:20] == ['checked'] * 20 and outcomes[20:] == ['limited'] * 2


def forged_sign_ins(proxied) -> list[str]:
    """Failed sign-ins through nginx from raw clients that each claim another address in X-Forwarded-For."""
    async def attempts() -> list[str]:
        outcomes = []
        for n in range(22):  # each claims another address; the dashboard sees nginx's word for it: 127.0.0.1
            async with httpx.AsyncClient(base_url=proxied.url, verify=False) as http:
                page = await RawPage.open(http, '/login', headers={'X-Forwarded-For': f'198.51.100.{n}'})
                await page.connect(headers={'X-Forwarded-For': f'198.51.100.{n}'}, verify=False)
                try:
                    await page.send(page.find(label='Username'), 'update:value', f'guess{n}')
                    await page.send(page.find(label='Password'), 'update:value', 'not-the-password')
                    await page.send(page.find(label='Sign in'), 'click', {})
                    await page.wait_for('sign-ins' if n >= 20 else 'Wrong username or password')
                    outcomes.append('limited' if 'Too many failed sign-ins' in page.texts() else 'checked')
                finally:
                    await page.close()
        return outcomes
    result: list[list[str]] = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(attempts())))  # Playwright owns this loop
    thread.start()
    thread.join(120)
    return result[0] if result else []
