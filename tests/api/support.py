"""Reading the API's Server-Sent Events and the simulator's counters in tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx

Received = list[tuple[int | None, dict]]


async def follow(client: httpx.AsyncClient, session_id: str, *, last: int | None = None,
                 until: Callable[[Received], bool] | None = None, timeout: float = 30) -> Received:
    """The (id, event) pairs of one events request, until the server closes it or `until` says so."""
    headers = {'Last-Event-ID': str(last)} if last is not None else {}
    received: Received = []
    async with asyncio.timeout(timeout), client.stream('GET', f'/sessions/{session_id}/events',
                                                       headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers['content-type'].startswith('text/event-stream')
        cursor = None
        async for line in response.aiter_lines():
            if line.startswith('id: '):
                cursor = int(line[4:])
            elif line.startswith('data: '):
                received.append((cursor, json.loads(line[6:])))
                cursor = None
                if until is not None and until(received):
                    break
    return received


def rows(received: Received) -> list[int]:
    return [event['id'] for _, event in received if event.get('type') in {'stage', 'output'}]


def types(received: Received) -> list[str]:
    return [event.get('type', '') for _, event in received]


async def streams_opened(simulator_url: str) -> int:
    async with httpx.AsyncClient(base_url=simulator_url) as client:
        return (await client.get('/_sim/stats')).json()['streams_opened']


async def wait_status(client: httpx.AsyncClient, session_id: str, status: str, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if (await client.get(f'/sessions/{session_id}')).json().get('status') == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f'session {session_id} never became {status}')
