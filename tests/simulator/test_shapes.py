"""The two payload shapes, and what aod-sdk 0.1.0 does with each.

With the current server's `provider` shape, SDK 0.1.0's `Session`, `Agent` and `AgentVersion` models miss
their required `runtime`, so `sessions.list()`, `sessions.get()` and every `agents.*` call raise a pydantic
`ValidationError` (not an `aod.AodError`). The acks (`create`, `prompt`, `terminate`), `delete`, `turns`,
`environments.*` and `stream` still work. With the older `runtime` shape every call works.
"""

from __future__ import annotations

from collections.abc import Iterator

import aod
import httpx
import pydantic
import pytest

from aod_ui.simulator import SimulatorServer

from .support import CODE_REVIEW, CODEX, TOKEN, collect, make_server, row_ids


@pytest.fixture(scope='module')
def provider_sim() -> Iterator[SimulatorServer]:
    server = make_server(shape='provider')
    yield server
    server.stop_thread()


def test_provider_shape_payloads(provider_sim: SimulatorServer) -> None:
    with httpx.Client(base_url=provider_sim.url, headers={'Authorization': f'Bearer {TOKEN}'}) as http:
        agents = {agent['name']: agent for agent in http.get('/agents').json()['data']}
        assert agents['code-review']['provider'] == 'anthropic' and 'runtime' not in agents['code-review']
        assert agents['codex-refactor']['provider'] == 'openai'
        ack = http.post('/sessions', json={'agent_id': CODEX, 'prompt': 'scenario: long'}).json()
        session = http.get(f'/sessions/{ack["id"]}').json()
        assert session['provider'] == 'openai' and 'runtime' not in session
        assert 'prompt' not in session and 'name' not in session  # the dashboard must remember those itself
        http.post(f'/sessions/{ack["id"]}/terminate')


def test_sdk_0_1_0_against_the_provider_shape(provider_sim: SimulatorServer) -> None:
    with aod.Client(base_url=provider_sim.url, token=TOKEN) as client:
        ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='Review')
        events = collect(client, ack.id)
        assert events[0].extra == {'provider': 'anthropic', 'session_id': str(ack.id)}
        assert events[-1].type == 'exit'
        assert [t.status for t in client.sessions.turns(ack.id)] == ['completed']
        assert client.environments.list()
        follow = client.sessions.prompt(ack.id, prompt='scenario: long')
        assert follow.current_turn == 2
        assert client.sessions.terminate(ack.id).status == 'terminated'
        for call in (client.sessions.list, lambda: client.sessions.get(ack.id), client.agents.list,
                     lambda: client.agents.get(CODE_REVIEW)):
            with pytest.raises(pydantic.ValidationError):
                call()
        client.sessions.delete(ack.id)


async def test_async_sdk_against_the_provider_shape(provider_sim: SimulatorServer) -> None:
    async with aod.AsyncClient(base_url=provider_sim.url, token=TOKEN) as client:
        ack = await client.sessions.create(agent_id=CODE_REVIEW, prompt='Review')
        async with client.sessions.stream(ack.id) as events:
            seen = [event async for event in events]
        assert row_ids(seen) and seen[-1].type == 'exit'
        with pytest.raises(pydantic.ValidationError):
            await client.sessions.get(ack.id)


def test_runtime_shape_payloads(http: httpx.Client) -> None:
    agent = http.get(f'/agents/{CODE_REVIEW}').json()
    assert agent['runtime'] == 'claude-code' and 'provider' not in agent
    sessions = http.get('/sessions').json()['data']
    assert sessions and all('runtime' in s and 'provider' not in s for s in sessions)
