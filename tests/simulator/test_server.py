"""Serving: in the current loop, in a thread, stopping with open streams, the command line, the config."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import aod
import httpx
import pytest

from aod_ui.simulator import SimulatorConfig, SimulatorServer, create_app
from aod_ui.simulator.__main__ import config_from_args

from .support import CODE_REVIEW, TOKEN, make_server

ROOT = Path(__file__).resolve().parents[2]


async def test_start_and_stop_in_the_current_loop() -> None:
    server = SimulatorServer(SimulatorConfig(port=0, time_scale=0.005, tokens=('aod_demo',)))
    await server.start()
    try:
        assert server.url == f'http://127.0.0.1:{server.port}' and server.port > 0
        async with aod.AsyncClient(base_url=server.url, token='aod_demo') as client:
            ack = await client.sessions.create(agent_id=CODE_REVIEW, prompt='scenario: long')
            async with client.sessions.stream(ack.id) as events:
                async for event in events:
                    if event.type == 'output':
                        break
    finally:
        started = time.monotonic()
        await server.stop()
    assert time.monotonic() - started < 3
    assert not server.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f'{server.url}/health')


async def test_async_context_manager() -> None:
    async with SimulatorServer(SimulatorConfig(port=0)) as server, httpx.AsyncClient() as http:
        assert (await http.get(f'{server.url}/health')).json()['status'] == 'ok'


def test_stop_does_not_hang_on_open_streams() -> None:
    server = make_server(tokens=(TOKEN,))
    ack = httpx.post(f'{server.url}/sessions', json={'agent_id': CODE_REVIEW, 'prompt': 'scenario: stall'},
                     headers={'Authorization': f'Bearer {TOKEN}'}).json()
    opened = threading.Barrier(4)
    ended: list[str] = []

    def read() -> None:
        with httpx.stream('GET', f'{server.url}/sessions/{ack["id"]}/stream',
                          headers={'Authorization': f'Bearer {TOKEN}'}, timeout=30) as answer:
            lines = answer.iter_lines()
            next(lines)  # the start event: the stream is open
            opened.wait(5)
            ended.extend(lines)

    readers = [threading.Thread(target=read, daemon=True) for _ in range(3)]
    for reader in readers:
        reader.start()
    opened.wait(5)
    started = time.monotonic()
    server.stop_thread()
    assert time.monotonic() - started < 3
    for reader in readers:
        reader.join(3)
        assert not reader.is_alive()


def test_answers_do_not_wait_for_delayed_acks(http: httpx.Client) -> None:
    http.get('/health')
    started = time.monotonic()
    for _ in range(20):
        http.post('/sessions', json={})  # a two-part answer (head, then body), the case Nagle delays
    assert time.monotonic() - started < 0.4  # 20 x 40 ms if TCP_NODELAY were missing


def test_thread_mode_as_context_manager_and_call() -> None:
    with SimulatorServer(SimulatorConfig(port=0, time_scale=0)) as server:
        assert server.call(lambda: threading.current_thread().name) == 'aod-simulator'
        seeded = server.seed_session(status='completed')
        assert httpx.get(f'{server.url}/sessions/{seeded.id}',
                         headers={'Authorization': 'Bearer aod_simulator'}).json()['status'] == 'completed'
        with pytest.raises(RuntimeError):
            server.start_in_thread()
    server.stop_thread()  # a second stop is harmless


def test_port_in_use_is_reported() -> None:
    with SimulatorServer(SimulatorConfig(port=0)) as first, pytest.raises(OSError):
        SimulatorServer(SimulatorConfig(port=first.port)).start_in_thread()


def test_create_app_exposes_its_state() -> None:
    app = create_app(SimulatorConfig(control=True))
    assert app.state.sim.config.control is True


def test_config_checks_its_values() -> None:
    for bad in ({'shape': 'flat'}, {'tokens': ()}, {'time_scale': -1}, {'heartbeat': 0}, {'max_active': 0},
                {'failing_stage': 'nope'}, {'failing_stage': 'mcp_config'}, {'stream_rows': 0}, {'stream_pause': -1}):
        with pytest.raises(ValueError):
            SimulatorConfig(**bad)  # type: ignore[arg-type]
    assert SimulatorConfig(tokens='aod_one').tokens == ('aod_one',)  # type: ignore[arg-type]


def test_a_stale_limit_within_one_read_pause_is_refused() -> None:
    # Paced, every stream would read as stale before its second read and never send another row.
    with pytest.raises(ValueError, match='stale_after'):
        SimulatorConfig(stale_after=0.5, stream_pause=0.5)
    with pytest.raises(ValueError, match='stale_after'):
        SimulatorConfig(stale_after=0.3, stream_pause=0.5)
    assert SimulatorConfig(stale_after=0.6, stream_pause=0.5).stale_after == 0.6
    assert SimulatorConfig(stale_after=0.3, stream_pause=0.5, paced=False).stale_after == 0.3  # no pause, no trap


def test_command_line_options() -> None:
    config = config_from_args(['--port', '0', '--token', 'aod_a', '--token', 'aod_b', '--shape', 'runtime',
                               '--time-scale', '0.1', '--seed', '3', '--max-active', '5', '--heartbeat', '2',
                               '--stale-after', '30', '--control', '--stamp-events', '--no-pacing',
                               '--stream-rows', '50', '--stream-pause', '0.25', '--interrupted-turns'])
    assert config == SimulatorConfig(port=0, tokens=('aod_a', 'aod_b'), shape='runtime', time_scale=0.1, seed=3,
                                     max_active=5, heartbeat=2, stale_after=30, control=True, stamp_events=True,
                                     paced=False, stream_rows=50, stream_pause=0.25, interrupted_turns=True)
    defaults = config_from_args([])
    assert (defaults.port, defaults.tokens, defaults.shape, defaults.max_active) == (8777, ('aod_simulator',),
                                                                                     'provider', 100)
    assert (defaults.heartbeat, defaults.stale_after, defaults.control) == (15, 600, False)
    # AoD's own pace unless switched off
    assert (defaults.paced, defaults.stream_rows, defaults.stream_pause, defaults.interrupted_turns) == (
        True, 100, 0.5, False)


def _module(*args: str, **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, 'PYTHONPATH': str(ROOT)}
    return subprocess.Popen([sys.executable, '-m', 'aod_ui.simulator', *args], stdout=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def test_help_lists_the_options() -> None:
    process = _module('--help')
    text, _ = process.communicate(timeout=20)
    for flag in ('--host', '--port', '--token', '--shape', '--time-scale', '--seed', '--max-active', '--heartbeat',
                 '--stale-after', '--control', '--stamp-events', 'code-review', 'fail-provision'):
        assert flag in text


def test_runs_on_its_own() -> None:
    process = _module('--port', '0', '--token', 'aod_cli', '--control')
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split(' on ', 1)[1].split(' ', 1)[0]
        with aod.Client(base_url=url, token='aod_cli') as client:
            assert client.health()['status'] == 'ok'
            assert client.sessions.create(agent_id=CODE_REVIEW, prompt='hi').status == 'pending'
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
