"""The dashboard killed mid-write keeps every acknowledged record; streams cut at any point lose nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from nicegui import core

from aod_ui.hub import HubRegistry
from aod_ui.upstream import Upstream
from storage import open_store

from ..helpers import CODEX, DASHBOARD_TOKEN

ROOT = Path(__file__).resolve().parents[2]

LAUNCHER = textwrap.dedent('''
    import asyncio, sys
    from nicegui import core
    from aod_ui.hub import HubRegistry
    from aod_ui.services import Actor, LaunchRequest, SessionService, Upstreams
    from aod_ui.upstream import Upstream
    from storage import open_store

    async def main(url, token, data, agent):
        core.loop = asyncio.get_running_loop()
        store = open_store(__import__('pathlib').Path(data))
        upstream = Upstream(url, token)
        service = SessionService(Upstreams(upstream, store=store), store, HubRegistry(lambda _: upstream))
        actor = Actor('crashy', 'member')
        n = 0
        while True:
            n += 1
            session_id = await service.launch(actor, LaunchRequest(agent_id=agent, prompt=f'crash test {n}'))
            print(session_id, flush=True)  # acknowledged: the record is on disk

    asyncio.run(main(*sys.argv[1:]))
''')


def test_sigkill_during_writes_keeps_every_acknowledged_record(simulator, tmp_path):
    data = tmp_path / 'data'
    env = {**os.environ, 'PYTHONPATH': str(ROOT)}
    process = subprocess.Popen([sys.executable, '-c', LAUNCHER, simulator.url, DASHBOARD_TOKEN, str(data), CODEX],
                               stdout=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    acknowledged = []
    assert process.stdout is not None
    while len(acknowledged) < 25:
        line = process.stdout.readline()
        assert line, 'the launcher stopped early'
        acknowledged.append(line.strip())
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    store = open_store(data)  # a restart: the file opens, and nothing acknowledged is missing
    try:
        assert set(acknowledged) <= {r.session_id for r in store.sessions.all()}
        assert len(store.audit.query(action='launch', limit=None)) >= len(acknowledged)
    finally:
        store.close()
    with httpx.Client(base_url=simulator.url, headers={'Authorization': f'Bearer {DASHBOARD_TOKEN}'}) as client:
        for session_id in acknowledged:
            client.post(f'/sessions/{session_id}/terminate')


@pytest.mark.parametrize('cut_after', [1, 3, 11, 29])
async def test_streams_cut_anywhere_deliver_every_event_once_in_order(simulator, sim_control, cut_after):
    core.loop = asyncio.get_running_loop()
    upstream = Upstream(simulator.url, DASHBOARD_TOKEN, timeout=10)
    ack = await upstream.create_session(agent_id=CODEX, prompt='scenario: success')
    sim_control.post('/_sim/faults', json={'drop_stream_after_events': cut_after})
    hubs = HubRegistry(lambda _: upstream, spawn=lambda c, n: asyncio.get_running_loop().create_task(c),
                       batch_interval=0.01, idle_poll=30)
    received: list[dict] = []
    hubs.hub(ack.id).join(lambda batch: received.extend(batch.events))
    for _ in range(1500):
        if any(e['type'] == 'exit' for e in received):
            break
        await asyncio.sleep(0.02)
    sim_control.post('/_sim/faults', json={})
    await hubs.stop_all()
    body = httpx.get(f'{simulator.url}/sessions/{ack.id}/stream',
                     headers={'Authorization': f'Bearer {DASHBOARD_TOKEN}'}).text
    await upstream.aclose()
    expected = sorted({int(line[4:]) for line in body.splitlines() if line.startswith('id: ')})
    rows = [e['id'] for e in received if e['type'] in {'stage', 'output'}]
    assert rows == sorted(set(rows))  # in order, none twice
    assert set(expected) - set(rows) <= {expected[-1]}  # the exit event repeats the last row's id
    assert [e['type'] for e in received].count('exit') == 1
