"""Upstream stream connections: viewers of one live session, and how many streams that costs AoD."""

from __future__ import annotations

import time

import httpx

from ..harness import launch, stats, terminate
from ..light import run_light
from ..registry import Context, Row, Scenario, Target, register


def run(ctx: Context) -> list[Row]:
    rows = []
    for viewers in ctx.options.get('counts') or ([1, 3] if ctx.quick else [1, 10, 50]):
        session_id = launch(ctx.simulator, 'scenario: long')
        time.sleep(0.5)
        before = stats(ctx.simulator)['streams_opened']
        # light viewers load the page (which joins them to the session's hub), stay two seconds, and leave
        report = run_light('ws', ctx.dashboard.url, [f'/sessions/{session_id}'] * viewers, 2.0)
        if report.errors or report.connected != viewers:
            raise RuntimeError(f'light viewers failed: {report.errors[:3]}, {report.connected} connected')
        ours = stats(ctx.simulator)['streams_opened'] - before
        before = stats(ctx.simulator)['streams_opened']
        with httpx.Client(timeout=30) as client:
            streams = [client.send(client.build_request('GET', f'{ctx.baseline.url}/stream/{session_id}'),
                                   stream=True) for _ in range(viewers)]  # an EventSource per tab
            time.sleep(1.0)
            theirs = stats(ctx.simulator)['streams_opened'] - before
            for response in streams:
                response.close()
        terminate(ctx.simulator, [session_id])
        rows.append(Row(f'1 session, {viewers} viewers', 'upstream stream connections', ours, theirs, clients='light'))
    return rows


register(Scenario(
    'connections', 'Upstream streams per session', run,
    targets={'upstream stream connections': Target('exactly 1 for ours', lambda ours, _: ours == 1)},
    explain='Light viewers of one live session; the simulator counts the streams each side opens.'))
