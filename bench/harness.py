"""The processes a benchmark runs (simulator, our dashboard, the baseline proxy), each on its own loopback port in
its own process, and the helpers the scenarios share to drive them."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TOKEN = 'aod_' + secrets.token_urlsafe(18)  # made up for each run, like the demo's
CHROMIUM = os.environ.get('AOD_UI_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--disable-quic', '--no-first-run', '--disable-renderer-backgrounding',
                 '--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows',
                 '--enable-precise-memory-info', '--js-flags=--expose-gc']
CODEX = '4da27759-2d82-5f2c-94ba-fdfac39fe770'
"""The simulator's plain-text agent (its `chatty` scenario writes `tick N` lines)."""
CLAUDE = 'ccf41d40-81ce-5053-9c0b-40ee8344003f'
"""The simulator's stream-json agent `code-review` (its `chatty` scenario writes assistant messages `tick N`): the
dashboard's structured view."""
AGENTS = {'stream-json': CLAUDE, 'plain text': CODEX}
CLOCK_TICKS = os.sysconf('SC_CLK_TCK')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    name: str
    url: str
    popen: subprocess.Popen

    @property
    def rss_mb(self) -> float:
        """Resident memory now, from /proc."""
        with open(f'/proc/{self.popen.pid}/status') as status:
            for line in status:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1]) / 1024
        return 0.0

    @property
    def cpu_seconds(self) -> float:
        """User and system CPU time the process used so far, from /proc."""
        with open(f'/proc/{self.popen.pid}/stat') as stat:
            parts = stat.read().rsplit(')', 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / CLOCK_TICKS

    @property
    def open_fds(self) -> int:
        return len(os.listdir(f'/proc/{self.popen.pid}/fd'))


def _start(name: str, args: list[str], url: str, probe: str, env: dict[str, str] | None = None,
           cwd: Path | None = None) -> Process:
    full_env = {**os.environ, 'PYTHONPATH': str(ROOT), **(env or {})}
    for variable in ('PYTEST_CURRENT_TEST', 'NICEGUI_USER_SIMULATION'):
        full_env.pop(variable, None)
    log = open(Path(tempfile.gettempdir()) / f'bench-{name}.log', 'w')  # noqa: SIM115 - closed with the process
    popen = subprocess.Popen([sys.executable, *args], env=full_env, cwd=cwd or ROOT, stdout=log,
                             stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + probe, timeout=2).status_code < 500:
                return Process(name, url, popen)
        except httpx.HTTPError:
            pass
        if popen.poll() is not None:
            break
        time.sleep(0.1)
    popen.kill()
    raise RuntimeError(f'{name} did not start; see {log.name}')


@contextmanager
def stack(*, time_scale: float = 0.05, paced: bool = True):
    """Simulator, our dashboard and the baseline, started fresh and stopped afterwards. The simulator paces its
    streams like AoD unless `paced` is false."""
    processes: list[Process] = []
    try:
        port = free_port()
        simulator = _start('simulator', ['-m', 'aod_ui.simulator', '--port', str(port), '--token', TOKEN, '--control',
                                         '--stamp-events', '--time-scale', str(time_scale), '--max-active', '100000',
                                         *([] if paced else ['--no-pacing'])],
                           f'http://127.0.0.1:{port}', '/health')
        processes.append(simulator)
        data = Path(tempfile.mkdtemp(prefix='bench-dashboard-'))
        port = free_port()
        dashboard = _start('dashboard', [str(ROOT / 'main.py')], f'http://127.0.0.1:{port}', '/healthz', env={
            'AOD_API_URL': simulator.url, 'AOD_API_TOKEN': TOKEN, 'AOD_UI_PORT': str(port), 'AOD_UI_AUTH': 'none',
            'AOD_UI_STORAGE_SECRET': 'benchmark-storage-secret-0123456789abcdef', 'AOD_UI_SECURE_COOKIES': 'false',
            'AOD_UI_DATA_DIR': str(data), 'AOD_UI_LOG_LEVEL': 'warning'}, cwd=data)
        processes.append(dashboard)
        port = free_port()
        baseline = _start('baseline', ['-m', 'bench.baseline', '--port', str(port), '--aod-url', simulator.url,
                                       '--token', TOKEN], f'http://127.0.0.1:{port}', '/sessions')
        processes.append(baseline)
        yield simulator, dashboard, baseline
    finally:
        for process in processes:
            process.popen.terminate()
        for process in processes:
            try:
                process.popen.wait(10)
            except subprocess.TimeoutExpired:
                process.popen.kill()


def sim(simulator: Process) -> httpx.Client:
    return httpx.Client(base_url=simulator.url, headers={'Authorization': f'Bearer {TOKEN}'}, timeout=60)


def health(dashboard: Process) -> dict:
    return httpx.get(f'{dashboard.url}/healthz', timeout=30).json()


def launch(simulator: Process, prompt: str, agent: str = CODEX) -> str:
    with sim(simulator) as client:
        answer = client.post('/sessions', json={'agent_id': agent, 'prompt': prompt})
        answer.raise_for_status()
        return answer.json()['id']


def stats(simulator: Process) -> dict:
    return httpx.get(f'{simulator.url}/_sim/stats', timeout=10).json()


def settle(dashboard: Process, timeout: float = 30) -> None:
    """Wait until no viewer of an earlier scenario is left in the dashboard (a closed page's client goes
    `reconnect_timeout` after its socket), and for the collection of what they left two seconds later, so each
    scenario starts from a dashboard with no one watching."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if health(dashboard).get('viewers') == 0:
            time.sleep(3)
            return
        time.sleep(0.5)
    raise TimeoutError(f'viewers of an earlier scenario were still in the dashboard after {timeout:.0f} s')


def wait_finished(simulator: Process, session_id: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    with sim(simulator) as client:
        while time.monotonic() < deadline:
            turns = client.get(f'/sessions/{session_id}/turns').json()['data']
            if turns and turns[-1]['status'] in {'completed', 'failed'}:
                return
            time.sleep(0.2)
    raise TimeoutError(f'session {session_id} did not finish')


def terminate(simulator: Process, session_ids: list[str]) -> None:
    with sim(simulator) as client:
        for session_id in session_ids:
            client.post(f'/sessions/{session_id}/terminate')
