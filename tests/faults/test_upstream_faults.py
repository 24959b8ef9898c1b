"""AoD misbehaving: unreachable, slow, failing in bursts, refusing the token, or sending odd streams. The dashboard
keeps working, says what is wrong, and recovers by itself."""

from __future__ import annotations

import asyncio
import json
import socket
import threading

import pytest
import uvicorn
from nicegui import core
from nicegui.testing import User
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

from aod_ui.hub import Batch, HubRegistry
from aod_ui.simulator import SimulatorConfig, SimulatorServer
from aod_ui.upstream import Upstream

from ..helpers import CODEX, DASHBOARD_TOKEN, eventually


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture
def dark_port(monkeypatch):
    """AoD's address points at a port where nothing answers yet."""
    port = free_port()
    monkeypatch.setenv('AOD_API_URL', f'http://127.0.0.1:{port}')
    monkeypatch.setenv('AOD_UI_REQUEST_TIMEOUT', '2')
    return port


async def test_unreachable_at_start_then_recovers(dark_port, user: User):
    await user.open('/')
    await user.should_see('AoD unreachable', retries=30)
    server = SimulatorServer(SimulatorConfig(port=dark_port, tokens=(DASHBOARD_TOKEN,), time_scale=0.02))
    server.start_in_thread()
    try:
        await user.should_not_see('AoD unreachable', retries=100)  # the list refreshes itself
        await user.open('/new')
        await user.should_see('Start session')
        await user.open('/')
    finally:
        server.stop_thread()
    await user.should_see('AoD unreachable', retries=100)  # gone again in the middle: said again, page still up
    health = await user.http_client.get('/healthz')
    assert health.status_code == 503 and health.json()['aod']['reachable'] is False


async def test_server_errors_on_launch_and_stop_are_explained(user: User, sim_control):
    sim_control.post('/_sim/faults', json={'status_burst': {'route': 'create', 'status': 502, 'count': 1}})
    await user.open('/new?agent=codex-refactor')
    user.find(marker='prompt').type('survive a 502\nscenario: long')
    user.find(marker='start').click()
    await user.should_see('AoD failed to start session (502', retries=50)
    user.find(marker='start').click()  # the burst is over: the same request now works
    await eventually(lambda: user.back_history[-1].startswith('/sessions/'))
    session_path = user.back_history[-1]
    await user.open(session_path)
    sim_control.post('/_sim/faults', json={'status_burst': {'route': 'terminate', 'status': 503, 'count': 1}})
    user.find(marker='stop').click()
    await user.should_see(marker='confirm', retries=50)
    user.find(marker='confirm').click()
    await user.should_see('AoD failed to stop session (503', retries=50)
    user.find(marker='stop').click()
    await user.should_see(marker='confirm', retries=50)
    user.find(marker='confirm').click()
    await user.should_see('Session was stopped', retries=50)


@pytest.fixture
def short_timeout(monkeypatch):
    monkeypatch.setenv('AOD_UI_REQUEST_TIMEOUT', '1')


async def test_slow_answers_are_cut_off_with_a_message(short_timeout, user: User, sim_control):
    await user.open('/')
    sim_control.post('/_sim/faults', json={'delay_seconds': 1.5})
    await user.should_see('did not answer in time', retries=60)
    sim_control.post('/_sim/faults', json={})
    await user.should_not_see('did not answer in time', retries=60)


@pytest.fixture
def patient_timeout(monkeypatch):
    monkeypatch.setenv('AOD_UI_REQUEST_TIMEOUT', '4')


async def test_a_page_waiting_longer_than_three_seconds_on_aod_explains_itself(patient_timeout, user: User,
                                                                                 sim_control):
    from ..pages.test_sessions import launch_via_page
    session_id = await launch_via_page(user, 'Wait for me.\nscenario: success', agent='codex-refactor')
    sim_control.post('/_sim/faults', json={'delay_seconds': 4.5})
    try:
        await user.open(f'/sessions/{session_id}')  # NiceGUI alone would give up on building it after 3 s
        await user.should_see('did not answer in time')
        await user.should_see(marker='problem')
    finally:
        sim_control.post('/_sim/faults', json={})


@pytest.fixture
def revocable(monkeypatch):
    token = 'aod_revocable_dashboard_token_012345'
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(token,), time_scale=0.02, control=True))
    server.start_in_thread()
    monkeypatch.setenv('AOD_API_URL', server.url)
    monkeypatch.setenv('AOD_API_TOKEN', token)
    yield server, token
    server.stop_thread()


async def test_a_revoked_token_reads_as_a_configuration_problem(revocable, user: User):
    import httpx
    server, token = revocable
    await user.open('/')
    await user.should_see('Sessions')
    httpx.post(f'{server.url}/_sim/tokens/{token}/revoke')
    await user.should_see('An administrator must check AOD_API_TOKEN', retries=60)
    await user.open('/new?agent=codex-refactor')
    user.find(marker='prompt').type('anything')
    user.find(marker='start').click()
    await user.should_see('An administrator must check AOD_API_TOKEN', retries=50)
    assert token not in str(user.notify.messages)


async def test_fifty_people_launching_at_once_get_one_session_each(user: User, simulator):
    from nicegui import app

    from aod_ui.services import Actor, LaunchRequest
    system_sessions = app.state.aod_system.sessions  # the running dashboard's own service, as the pages call it
    before = len(await system_sessions.upstream.list_sessions())
    people = [Actor(f'person{i}', 'member') for i in range(50)]
    requests = [LaunchRequest(agent_id=CODEX, prompt=f'hello from {a.username}\nscenario: success') for a in people]
    # everyone clicks twice within the same second
    results = await asyncio.gather(*(system_sessions.launch(a, r) for a, r in zip(people * 2, requests * 2,
                                                                                   strict=True)),
                                   return_exceptions=True)
    ids = [r for r in results if isinstance(r, str)]
    errors = [r for r in results if not isinstance(r, str)]
    assert not errors or all('sessions are active' in str(e) for e in errors)  # AoD's limit, reached by others
    for first, second in zip(results[:50], results[50:], strict=True):  # the double click shares the first's fate
        assert first == second if isinstance(first, str) else first is second
    assert len(set(ids)) == 50 - len(errors) // 2
    after = len(await system_sessions.upstream.list_sessions())
    assert after - before == len(set(ids))


def odd_stream_server(body: str) -> tuple[str, threading.Thread, uvicorn.Server]:
    async def stream(request):
        async def chunks():
            for index in range(0, len(body), 65536):
                yield body[index:index + 65536]
                await asyncio.sleep(0)
        return StreamingResponse(chunks(), media_type='text/event-stream')

    async def get_session(request):
        from starlette.responses import JSONResponse
        return JSONResponse({'id': 's1', 'status': 'completed'})
    app = Starlette(routes=[Route('/sessions/s1/stream', stream), Route('/sessions/s1', get_session)])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host='127.0.0.1', port=port, log_level='error'))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        pass
    return f'http://127.0.0.1:{port}', thread, server


async def test_odd_streams_are_survived():
    core.loop = asyncio.get_running_loop()
    huge = 'x' * (10 * 1024 * 1024)
    text_block = {'type': 'text', 'text': 'split across chunks'}
    line = json.dumps({'type': 'assistant', 'message': {'content': [text_block]}}) + '\n'
    events = [
        'data: {"type": "start", "provider": "anthropic", "session_id": "s1"}\n\n',
        'data: this is not json\n\n',
        'id: 1\ndata: {"type": "sparkle", "id": 1}\n\n',
        'data: {"type": "turn_start", "id": 2, "turn": 1}\n\n',
        *[f'id: {2 + i}\ndata: ' + json.dumps({'type': 'output', 'id': 2 + i, 'stream': 'stdout',
                                                'data': line[i * 7:(i + 1) * 7], 'turn': 1}) + '\n\n'
          for i in range(len(line) // 7 + 1)],
        f'id: 500\ndata: {json.dumps({"type": "output", "id": 500, "stream": "stdout", "data": huge, "turn": 1})}\n\n',
        'id: 500\ndata: {"type": "exit", "id": 500, "code": 0}\n\n',
    ]
    url, thread, server = odd_stream_server(''.join(events))
    upstream = Upstream(url, 'aod_odd_server_token', timeout=10)
    hubs = HubRegistry(lambda _: upstream, spawn=lambda c, n: asyncio.get_running_loop().create_task(c),
                       idle_poll=30)
    received: list[dict] = []
    hub = hubs.hub('s1')
    hub.join(lambda batch: received.extend(batch.events) if isinstance(batch, Batch) else None)
    await eventually(lambda: any(e['type'] == 'exit' for e in received), timeout=30)
    kinds = [e['type'] for e in received]
    assert kinds[0] == 'start' and 'sparkle' in kinds and kinds[-1] == 'exit'
    texts = [getattr(e, 'text', '') for e in hub.transcript.entries]
    assert 'split across chunks' in texts
    assert any(e['type'] == 'output' and len(e['data']) == len(huge) for e in received)
    assert hub.transcript.raw.lines.line_count >= 1
    await hubs.stop_all()
    await upstream.aclose()
    server.should_exit = True
    thread.join(5)
