"""End-to-end tests in real headless Chromium (Debian's package, driven by Playwright; nothing is downloaded).

The dashboard runs as its own process (`python main.py`), exactly as people run it, against the test simulator.
Without Chromium these tests are skipped, unless AOD_UI_REQUIRE_BROWSER is set (CI), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..helpers import DASHBOARD_TOKEN

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / 'screenshots'
CHROMIUM = os.environ.get('AOD_UI_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--disable-quic', '--no-first-run']


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Dashboard:
    """A dashboard process on a loopback port."""

    def __init__(self, env: dict[str, str], data_dir: Path) -> None:
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        self.log = data_dir / 'dashboard.log'
        data_dir.mkdir(parents=True, exist_ok=True)
        full_env = {**os.environ, **env, 'AOD_UI_PORT': str(self.port), 'AOD_UI_DATA_DIR': str(data_dir)}
        for name in ('NICEGUI_USER_SIMULATION', 'PYTEST_CURRENT_TEST'):  # NiceGUI changes how it runs under pytest
            full_env.pop(name, None)
        self._log_file = self.log.open('w')
        self.process = subprocess.Popen([sys.executable, str(ROOT / 'main.py')], cwd=data_dir, env=full_env,
                                        stdout=self._log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f'{self.url}/healthz', timeout=2).status_code in {200, 503}:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f'the dashboard did not start:\n{self.log.read_text()}')
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log_file.close()


@pytest.fixture(scope='session')
def chromium_path() -> str:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get('AOD_UI_REQUIRE_BROWSER'):
            pytest.fail(f'Chromium is required for the browser tests but {CHROMIUM} is missing '
                        '(apt-get install chromium chromium-driver)')
        pytest.skip(f'Chromium not installed at {CHROMIUM}')
    return CHROMIUM


@pytest.fixture(scope='module')
def browser(chromium_path):
    # module scope: sync Playwright keeps an event loop running in this thread until it is closed, and
    # pytest-asyncio cannot start the async tests of later modules while it runs
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope='module')
def dashboard(simulator, tmp_path_factory) -> Iterator[Dashboard]:
    env = {'AOD_API_URL': simulator.url, 'AOD_API_TOKEN': DASHBOARD_TOKEN,
           'AOD_UI_STORAGE_SECRET': 'browser-test-storage-secret-0123456789abcdef', 'AOD_UI_REFRESH_SECONDS': '1',
           'AOD_UI_LOG_LEVEL': 'warning', 'AOD_UI_AUTH': 'none',
           'AOD_UI_SECURE_COOKIES': 'false'}
    server = Dashboard(env, tmp_path_factory.mktemp('dashboard'))
    yield server
    server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={'width': 1280, 'height': 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f'{name}.png'
    page.screenshot(path=str(path), full_page=True)
    return path
