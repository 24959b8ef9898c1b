"""Webhook deliveries against a real HTTP receiver on loopback (starlette under uvicorn), with its faults: 500s,
answers too slow for the timeout, slow answers within it, and nobody listening. Backoff runs on an injected sleep."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aod_ui.errors import NotAllowed
from aod_ui.services import Actor
from aod_ui.services._webhooks import SessionEvent, WebhookService, verify
from storage import memory_store

ADMIN = Actor('ada', 'admin')
MEMBER = Actor('olga', 'member')
EVENT = SessionEvent(kind='finished', session_id='s-1', title='Fix the parser', agent='codex', owner='olga',
                     status='completed', url='http://dash.example/sessions/s-1')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Receiver:
    """Answers each request with the next planned fault (`500`, `slow:SECONDS`, `ok`), then `ok`."""

    def __init__(self) -> None:
        self.plan: list[str] = []
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}/hook'

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        self.received.append((dict(request.headers), body))
        step = self.plan.pop(0) if self.plan else 'ok'
        if step.startswith('slow:'):
            await asyncio.sleep(float(step[5:]))
        elif step != 'ok':
            return Response('no', status_code=int(step))
        return Response('ok')


@pytest.fixture
async def receiver():
    target = Receiver()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route('/hook', target.hook, methods=['POST'])]),
                                           host='127.0.0.1', port=target.port, log_config=None, lifespan='off'))
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    yield target
    server.should_exit = True
    await task


@pytest.fixture
async def service():
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    hooks = WebhookService(memory_store(), sleep=sleep, timeout=0.5, attempts=4,
                           spawn=lambda coro, name: asyncio.get_running_loop().create_task(coro))
    hooks.slept = slept  # type: ignore[attr-defined]
    yield hooks
    await hooks.aclose()


async def test_a_signed_json_delivery_is_verified_once_and_carries_no_token(service, receiver):
    hook = await service.add(ADMIN, receiver.url, 'json')
    entry = await service.deliver(hook, EVENT)
    assert entry['outcome'] == 'delivered' and entry['attempts'] == ['200']
    [(headers, body)] = receiver.received
    data = json.loads(body)
    assert data['event'] == 'session.finished' and data['session']['id'] == 's-1'
    assert data['delivery'] == headers['x-aod-delivery'] and 'token' not in body.decode().lower()
    seen: dict[str, float] = {}
    now = float(headers['x-aod-timestamp'])
    assert verify(hook.secret, headers, body, now=now, seen=seen)
    assert not verify(hook.secret, headers, body, now=now + 1, seen=seen)  # replayed
    assert not verify(hook.secret, headers, body, now=now + 301, seen={})  # too old
    assert not verify(hook.secret, headers, body.replace(b's-1', b's-2'), now=now, seen={})  # altered
    assert not verify('another secret', headers, body, now=now, seen={})


async def test_500s_then_success_back_off_exponentially(service, receiver):
    hook = await service.add(ADMIN, receiver.url, 'slack')
    receiver.plan = ['500', '503', '429']
    entry = await service.deliver(hook, EVENT)
    assert entry['outcome'] == 'delivered' and entry['attempts'] == ['500', '503', '429', '200']
    assert service.slept == [1.0, 2.0, 4.0]
    text = json.loads(receiver.received[-1][1])['text']
    assert text == ('Session <http://dash.example/sessions/s-1|Fix the parser> finished (agent codex, '
                    'started by olga).')
    assert len({h['x-aod-delivery'] for h, _ in receiver.received}) == 1  # one delivery, tried four times


async def test_timeouts_slow_answers_refusals_and_nobody_listening(service, receiver):
    hook = await service.add(ADMIN, receiver.url, 'json')
    receiver.plan = ['slow:2', 'slow:0.2']  # too slow for the 0.5 s timeout, then slow but in time
    entry = await service.deliver(hook, EVENT)
    assert entry['attempts'] == ['no answer in time', '200'] and entry['outcome'] == 'delivered'
    receiver.plan = ['404']
    entry = await service.deliver(hook, EVENT)
    assert entry['attempts'] == ['404'] and entry['outcome'] == 'failed'  # a refusal is final
    nobody = await service.add(ADMIN, f'http://127.0.0.1:{free_port()}/hook', 'json')
    entry = await service.deliver(nobody, EVENT)
    assert entry['outcome'] == 'failed' and len(entry['attempts']) == 4
    assert all(a.startswith('could not connect') for a in entry['attempts'])
    log = service.log(ADMIN)
    assert [e['outcome'] for e in log] == ['failed', 'failed', 'delivered']
    assert all('/hook' not in e['host'] for e in log)


async def test_only_admins_manage_hooks_and_send_tests(service, receiver):
    with pytest.raises(NotAllowed):
        await service.add(MEMBER, receiver.url, 'json')
    hook = await service.add(ADMIN, receiver.url, 'json', events=('failed',))
    with pytest.raises(NotAllowed):
        await service.send_test(MEMBER, hook.id)
    entry = await service.send_test(ADMIN, hook.id)
    assert entry['outcome'] == 'delivered' and json.loads(receiver.received[-1][1])['event'] == 'session.test'
    service.notify(EVENT)  # finished: this hook asked only for failures
    service.notify(SessionEvent(**{**EVENT.__dict__, 'kind': 'failed', 'status': 'failed'}))
    for _ in range(100):
        if len(receiver.received) == 2:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)
    assert [json.loads(b)['event'] for _, b in receiver.received] == ['session.test', 'session.failed']


async def test_the_timestamp_comes_from_the_injected_clock(receiver):
    async def no_sleep(seconds: float) -> None:
        return None

    hooks = WebhookService(memory_store(), clock=lambda: 1_800_000_000.5, sleep=no_sleep, timeout=0.5)
    hook = await hooks.add(ADMIN, receiver.url, 'json')
    assert (await hooks.deliver(hook, EVENT))['at'] == 1_800_000_000.5
    [(headers, body)] = receiver.received
    assert headers['x-aod-timestamp'] == '1800000000' and json.loads(body)['sent_at'] == 1_800_000_000
    assert verify(hook.secret, headers, body, now=1_800_000_100, seen={})
    assert not verify(hook.secret, headers, body, now=1_800_000_301, seen={})
    await hooks.aclose()
