"""Light viewers for scale, run in processes of their own: a page load plus NiceGUI's own websocket (socket.io) for
ours, a `text/event-stream` reader for the baseline. Each is a real connected client receiving every update, at a
fraction of a browser's cost, and each records when every `tick N` reached it (on the simulator's clock) and how
many bytes it received, so every viewer is measured.

Run by the scenarios through `start_light` / `run_light`; the process prints `{"ready": ...}` once every first
connection is made, and writes its report to `--out` at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import socketio

from .measure import TICK, Delivery

PER_PROCESS = 150
"""Viewers one process carries: beyond that the load generator, not the server, would be measured."""


@dataclass
class LoadReport:
    connected: int = 0
    """Connections made (with churn, more than there are viewers)."""
    errors: list[str] = field(default_factory=list)
    messages: int = 0
    bytes: int = 0
    """Payload bytes received: socket.io event arguments as JSON for ours, SSE lines for the baseline."""
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    """CPU time of the load generator itself: when it nears its cores, a figure says more about it than the server."""
    deliveries: list[dict] = field(default_factory=list)
    """Per connection: `path`, `start`, `end` (simulator clock) and `seen` {tick: when it arrived}."""

    def merge(self, other: LoadReport) -> None:
        self.connected += other.connected
        self.errors += other.errors
        self.messages += other.messages
        self.bytes += other.bytes
        self.seconds = max(self.seconds, other.seconds)
        self.cpu_seconds += other.cpu_seconds
        self.deliveries += other.deliveries

    def of(self, path: str) -> list[Delivery]:
        return [Delivery({int(k): v for k, v in d['seen'].items()}, d['start'], d['end'])
                for d in self.deliveries if d['path'] == path]


_stop: asyncio.Event | None = None
"""Set when the scenario says its output is over (a line on standard input, see `LightRun.finish`, or its end):
every viewer leaves."""


async def _pause(until: float) -> None:
    """Until `until` (monotonic) or the stop, whichever comes first."""
    assert _stop is not None
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_stop.wait(), max(0.0, until - time.monotonic()))


def _stopped() -> bool:
    return _stop is not None and _stop.is_set()


def _left() -> float | None:
    """When a viewer that leaves now left: None when it leaves because the output is over (it saw all of it)."""
    return None if _stopped() else time.time()


def _record(seen: dict[int, float], text: str, now: float) -> None:
    for match in TICK.finditer(text):
        seen.setdefault(int(match.group(1)), now)


async def _ws_once(base: str, path: str, until: float, report: LoadReport, ready: asyncio.Event | None) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        page = await http.get(base + path)
        page.raise_for_status()
    match = re.search(r"'client_id': '([0-9a-f-]+)'", page.text)
    if match is None:
        raise RuntimeError('no client id in the page')
    client = socketio.AsyncClient(reconnection=False)
    delivery = {'path': path, 'start': time.time(), 'end': None, 'seen': {}}
    seen: dict[int, float] = delivery['seen']

    @client.on('*')
    async def count(_event, *args) -> None:
        text = json.dumps(args)
        report.messages += 1
        report.bytes += len(text)
        _record(seen, text, time.time())
    query = (f'client_id={match.group(1)}&tab_id={uuid.uuid4()}&document_id={uuid.uuid4()}'
             '&implicit_handshake=true&next_message_id=0')
    await client.connect(f'{base}/?{query}', socketio_path='/_nicegui_ws/socket.io', transports=['websocket'],
                         wait_timeout=20)
    delivery['start'] = time.time()
    report.connected += 1
    report.deliveries.append(delivery)
    if ready is not None:
        ready.set()
    await _pause(until)
    if not client.connected:
        report.errors.append('disconnected before the end')
    delivery['end'] = _left()
    await client.disconnect()


async def _sse_once(base: str, path: str, until: float, report: LoadReport, ready: asyncio.Event | None) -> None:
    delivery = {'path': path, 'start': time.time(), 'end': None, 'seen': {}}
    async with httpx.AsyncClient(timeout=httpx.Timeout(30, read=None)) as http, \
            http.stream('GET', base + path) as response:
        response.raise_for_status()
        delivery['start'] = time.time()
        report.connected += 1
        report.deliveries.append(delivery)
        if ready is not None:
            ready.set()

        async def read() -> None:
            async for line in response.aiter_lines():
                report.bytes += len(line) + 1
                if line.startswith('data:'):
                    report.messages += 1
                    _record(delivery['seen'], line, time.time())
        reading, pausing = asyncio.create_task(read()), asyncio.create_task(_pause(until))
        await asyncio.wait({reading, pausing}, return_when=asyncio.FIRST_COMPLETED)
        closed = reading.done()  # the server ended the stream (the session ended): watched to the end
        for task in (reading, pausing):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    delivery['end'] = None if closed else _left()


async def _viewer(kind: str, base: str, path: str, seconds: float, churn: tuple[float, float] | None,
                  report: LoadReport, ready: asyncio.Event) -> None:
    """One viewer: connected for `seconds`, or (with `churn`) leaving after a random stay and coming back as a new
    page, over and over."""
    once = _ws_once if kind == 'ws' else _sse_once
    end = time.monotonic() + seconds
    first: asyncio.Event | None = ready
    while time.monotonic() < end - 0.5 and not _stopped():
        until = end if churn is None else min(end, time.monotonic() + random.uniform(*churn))
        try:
            await once(base, path, until, report, first)
        except Exception as error:  # every failure of a viewer is a finding, reported with its kind
            report.errors.append(f'{type(error).__name__}: {error}'[:200])
            if first is not None:
                first.set()
        first = None
        if churn is None:
            return


async def _run(kind: str, base: str, paths: list[str], seconds: float, churn: tuple[float, float] | None
               ) -> LoadReport:
    global _stop
    _stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def listen() -> None:  # a daemon thread: a blocked read never holds the process at its end
        sys.stdin.readline()
        loop.call_soon_threadsafe(_stop.set)  # type: ignore[union-attr]
    threading.Thread(target=listen, daemon=True).start()
    report = LoadReport()
    started = time.monotonic()
    events = [asyncio.Event() for _ in paths]
    tasks = [asyncio.create_task(_viewer(kind, base, path, seconds, churn, report, event))
             for path, event in zip(paths, events, strict=True)]
    await asyncio.gather(*(event.wait() for event in events))
    print(json.dumps({'ready': time.time(), 'connected': report.connected}), flush=True)
    await asyncio.gather(*tasks)
    report.seconds = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report.cpu_seconds = usage.ru_utime + usage.ru_stime
    return report


class LightRun:
    """Light viewers in one or more processes of their own, started now; `ready()` waits until every first
    connection is made, `result()` until they have all left."""

    def __init__(self, kind: str, base: str, paths: list[str], seconds: float,
                 churn: tuple[float, float] | None = None) -> None:
        self.started = time.time()
        self._outputs: list[Path] = []
        self._processes: list[subprocess.Popen] = []
        self.seconds = seconds
        for first in range(0, len(paths), PER_PROCESS):
            out = Path(tempfile.mkstemp(prefix='bench-light-', suffix='.json')[1])
            spec = {'kind': kind, 'base': base, 'paths': paths[first:first + PER_PROCESS], 'seconds': seconds,
                    'churn': churn}
            self._processes.append(subprocess.Popen(
                [sys.executable, '-m', 'bench.light', '--out', str(out), json.dumps(spec)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1]))
            self._outputs.append(out)

    def ready(self) -> float:
        """When the last process had all its first connections made (simulator clock)."""
        at = self.started
        for process in self._processes:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line:
                raise RuntimeError('a light viewer process ended before its viewers were in place')
            at = max(at, json.loads(line)['ready'])
        return at

    def finish(self, timeout: float = 120) -> LoadReport:
        """Every viewer leaves now; their report."""
        for process in self._processes:
            with contextlib.suppress(OSError):  # it may have ended already: its viewers' streams closed
                assert process.stdin is not None
                process.stdin.write('stop\n')
                process.stdin.flush()
        return self.result(timeout)

    def stop(self) -> None:
        """End every viewer now (their report is not wanted)."""
        for process in self._processes:
            process.terminate()
        for process, out in zip(self._processes, self._outputs, strict=True):
            process.wait(30)
            out.unlink(missing_ok=True)

    def result(self, timeout: float | None = None) -> LoadReport:
        report = LoadReport()
        for process, out in zip(self._processes, self._outputs, strict=True):
            process.wait(timeout if timeout is not None else self.seconds + 120)
            if process.returncode != 0:
                raise RuntimeError(f'a light viewer process failed with {process.returncode}')
            report.merge(LoadReport(**json.loads(out.read_text())))
            out.unlink()
        return report


def run_light(kind: str, base: str, paths: list[str], seconds: float) -> LoadReport:
    """Connect one light viewer per path (`ws` for ours, `sse` for the baseline), keep them for `seconds`, leave."""
    return LightRun(kind, base, paths, seconds).result()


def main() -> None:
    parser = argparse.ArgumentParser(description='light viewers (see bench/light.py)')
    parser.add_argument('--out', type=Path, required=True)
    parser.add_argument('spec', help='JSON: kind, base, paths, seconds, churn')
    args = parser.parse_args()
    spec = json.loads(args.spec)
    churn = tuple(spec['churn']) if spec['churn'] else None
    report = asyncio.run(_run(spec['kind'], spec['base'], spec['paths'], spec['seconds'], churn))  # type: ignore[arg-type]
    args.out.write_text(json.dumps(asdict(report)))


if __name__ == '__main__':
    main()
