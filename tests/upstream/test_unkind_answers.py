"""The adapter against answers the SDK's strict models or a plain reading would get wrong, over real HTTP: a turn
status newer than aod-sdk 0.1.0 (`interrupted`), and the HTML error page of a proxy in front of AoD."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from aod_ui.errors import UpstreamError
from aod_ui.simulator import SimulatorConfig, SimulatorServer
from aod_ui.upstream import Upstream

from ..helpers import CODEX, DASHBOARD_TOKEN

SAYS = 'AoD (or a proxy in front of it) answered 502 with an HTML page'


@pytest.fixture(scope='module')
def newer() -> Iterator[SimulatorServer]:
    """Newer server code: terminate marks the running turn `interrupted`."""
    server = SimulatorServer(SimulatorConfig(port=0, tokens=(DASHBOARD_TOKEN,), time_scale=0.02, seed=5,
                                             control=True, interrupted_turns=True)).start_in_thread()
    yield server
    server.stop_thread()


@pytest.fixture
async def upstream(newer: SimulatorServer) -> AsyncIterator[Upstream]:
    client = Upstream(newer.url, DASHBOARD_TOKEN, timeout=10)
    yield client
    await client.aclose()
    newer.set_faults()


async def test_an_interrupted_turn_is_read_like_any_other(upstream: Upstream, newer: SimulatorServer) -> None:
    seeded = newer.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='terminated',
                                turns=['first', 'second'])
    turns = await upstream.turns(seeded.id)
    assert [(t.turn_number, t.prompt, t.status) for t in turns] == [(1, 'first', 'completed'),
                                                                    (2, 'second', 'interrupted')]


async def test_a_turn_status_nobody_knows_yet_is_kept_as_it_is(upstream: Upstream, newer: SimulatorServer) -> None:
    seeded = newer.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='completed')
    newer.call(setattr, newer.state.sessions[seeded.id].turns[0], 'status', 'paused_for_review')
    [turn] = await upstream.turns(seeded.id)
    assert turn.status == 'paused_for_review'


@pytest.mark.parametrize('route', ['list', 'get', 'turns', 'prompt', 'terminate', 'stream'])
async def test_an_html_error_page_never_reaches_people(upstream: Upstream, newer: SimulatorServer, route: str) -> None:
    seeded = newer.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='completed')
    newer.set_faults(status_burst={'route': route, 'status': 502, 'count': 1, 'html': True})
    calls = {
        'list': upstream.list_sessions, 'get': lambda: upstream.get_session(seeded.id),
        'turns': lambda: upstream.turns(seeded.id), 'prompt': lambda: upstream.prompt(seeded.id, 'again'),
        'terminate': lambda: upstream.terminate(seeded.id), 'stream': lambda: read_stream(upstream, seeded.id),
    }
    with pytest.raises(UpstreamError) as caught:
        await calls[route]()
    error = caught.value
    assert SAYS in error.message and error.status == 502 and error.kind == 'server'
    for text in (error.message, str(error), repr(error.detail)):
        assert '<' not in text and 'nginx' not in text and 'Bad Gateway' not in text
        assert DASHBOARD_TOKEN not in text
    assert all('<' not in message for _, _, message in upstream.recent_errors)
    assert upstream.status.last_error == error.message


async def read_stream(upstream: Upstream, session_id: str) -> None:
    async with contextlib.aclosing(upstream.stream(session_id)) as events:
        async for _ in events:
            pass


async def test_an_html_page_at_another_status_is_not_read_as_a_verdict_on_the_token_or_session() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        status = int(request.url.path.rsplit('/', 1)[-1]) if request.url.path[-1].isdigit() else 404
        return httpx.Response(status, text='<!DOCTYPE html><html><body><h1>Not here</h1></body></html>',
                              headers={'content-type': 'text/html'})
    upstream = Upstream('http://aod.test', DASHBOARD_TOKEN, transport=httpx.MockTransport(handler))
    flagged = []
    upstream.on_auth_error = lambda: flagged.append(True)
    for session_id in ('401', '404'):
        with pytest.raises(UpstreamError) as caught:
            await upstream.get_session(session_id)
        assert caught.value.kind == 'protocol'  # neither "token refused" nor "session deleted"
        assert f'answered {session_id} with an HTML page' in caught.value.message
        assert 'Not here' not in caught.value.message
    assert not flagged
    await upstream.aclose()


async def test_a_terminate_of_a_terminated_session_has_its_own_kind(upstream: Upstream,
                                                                    newer: SimulatorServer) -> None:
    """AoD's 409 to a second terminate is told apart by kind, not by reading its message."""
    seeded = newer.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='terminated')
    with pytest.raises(UpstreamError) as refused:
        await upstream.terminate(seeded.id)
    assert (refused.value.kind, refused.value.status) == ('already_terminated', 409)
    assert (refused.value.message, refused.value.detail) == ('Session is already terminated',
                                                             'Session is already terminated')
    running = newer.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status='running')
    assert (await upstream.terminate(running.id)).status == 'terminated'
