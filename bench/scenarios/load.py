"""A bounded load test: many concurrent websocket viewers of live sessions for a while (loopback only)."""

from __future__ import annotations

import httpx

from ..harness import Process, launch, terminate
from ..light import run_light
from ..registry import Context, Row, Scenario, Target, register


def websocket_load(simulator: Process, dashboard: Process, clients: int, seconds: float) -> list[Row]:
    """`clients` websocket viewers (10 per session) load their pages at once and receive every update for
    `seconds`: no errors, no crash, healthy afterwards (`met`)."""
    ids = [launch(simulator, 'scenario: long') for _ in range(max(1, clients // 10))]
    report = run_light('ws', dashboard.url, [f'/sessions/{ids[i % len(ids)]}' for i in range(clients)], seconds)
    terminate(simulator, ids)
    healthy = httpx.get(f'{dashboard.url}/healthz', timeout=10).status_code == 200
    group = f'{clients} websocket viewers for {seconds:.0f} s'
    note = (f'{report.connected} connected, {report.messages} updates received, dashboard '
            f'{"healthy" if healthy else "NOT healthy"} after; ' + '; '.join(report.errors[:3]))
    return [Row(group, 'viewer errors', len(report.errors) + clients - report.connected, None,
                clients='websocket (socket.io)', met=not report.errors and healthy and report.connected == clients,
                note=note),
            Row(group, 'dashboard healthy after (1 = yes)', int(healthy), None, clients='http')]


def run(ctx: Context) -> list[Row]:
    clients, seconds = (5, 5) if ctx.quick else (100, 120)
    return websocket_load(ctx.simulator, ctx.dashboard, clients, seconds)


register(Scenario('load', 'Websocket load', run, default=False, repeats=1,
                  targets={'viewer errors': Target('0', lambda o, _: o == 0),
                           'dashboard healthy after (1 = yes)': Target('1', lambda o, _: o == 1)},
                  explain='Runs with the tests too (tests/faults/test_load.py).'))
