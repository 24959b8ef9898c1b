"""Light viewers for scale: a page load plus NiceGUI's own websocket (socket.io), without a browser. Each one is a
real connected client of the dashboard receiving every update, at a fraction of a browser's cost."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import socketio


@dataclass
class LoadReport:
    connected: int = 0
    errors: list[str] = field(default_factory=list)
    messages: int = 0
    seconds: float = 0.0


async def _viewer(base: str, path: str, seconds: float, report: LoadReport) -> None:
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            page = await http.get(base + path)
            page.raise_for_status()
        match = re.search(r"'client_id': '([0-9a-f-]+)'", page.text)
        if match is None:
            raise RuntimeError('no client id in the page')
        client = socketio.AsyncClient(reconnection=False)

        @client.on('*')
        async def count(*_args) -> None:
            report.messages += 1
        query = (f'client_id={match.group(1)}&tab_id={uuid.uuid4()}&document_id={uuid.uuid4()}'
                 '&implicit_handshake=true&next_message_id=0')
        await client.connect(f'{base}/?{query}', socketio_path='/_nicegui_ws/socket.io', transports=['websocket'],
                             wait_timeout=20)
        report.connected += 1
        await asyncio.sleep(seconds)
        if not client.connected:
            report.errors.append('disconnected before the end')
        await client.disconnect()
    except Exception as error:  # every failure of a viewer is a finding, reported with its kind
        report.errors.append(f'{type(error).__name__}: {error}'[:200])


async def _run_all(viewer: Callable[[str, str, float, LoadReport], Awaitable[None]], base: str, paths: list[str],
                   seconds: float) -> LoadReport:
    report = LoadReport()
    started = time.monotonic()
    await asyncio.gather(*(viewer(base, path, seconds, report) for path in paths))
    report.seconds = time.monotonic() - started
    return report


async def run_viewers(base: str, paths: list[str], seconds: float) -> LoadReport:
    """Connect one light viewer per path (in parallel), keep them all for `seconds`, then leave."""
    return await _run_all(_viewer, base, paths, seconds)


async def _sse_viewer(base: str, path: str, seconds: float, report: LoadReport) -> None:
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30, read=None)) as http, \
                http.stream('GET', base + path) as response:
            response.raise_for_status()
            report.connected += 1
            deadline = time.monotonic() + seconds
            async for line in response.aiter_lines():
                if line.startswith('data:'):
                    report.messages += 1
                if time.monotonic() > deadline:
                    break
    except Exception as error:  # every failure of a viewer is a finding, reported with its kind
        report.errors.append(f'{type(error).__name__}: {error}'[:200])


async def run_sse_viewers(base: str, paths: list[str], seconds: float) -> LoadReport:
    """The baseline's light viewers: one `text/event-stream` reader per path, each for at most `seconds`."""
    return await _run_all(_sse_viewer, base, paths, seconds)
