"""Helpers the scenarios share: Chromium pages that measure, sessions that write `tick N` at a rate once everyone
is in place, and the comparison of both sides."""

from __future__ import annotations

import math
import time

from ..harness import AGENTS, Process, launch, wait_finished
from ..measure import OBSERVER, RELOADS

SIDES = ('ours', 'baseline')


def page_path(side: str, session_id: str) -> str:
    return f'/sessions/{session_id}'


def light_path(side: str, session_id: str) -> str:
    """Where a light viewer connects: the session page (then NiceGUI's websocket) for ours, the SSE stream for the
    baseline."""
    return f'/sessions/{session_id}' if side == 'ours' else f'/stream/{session_id}'


def light_kind(side: str) -> str:
    return 'ws' if side == 'ours' else 'sse'


def viewer_page(browser):
    """A page in a browser context of its own: each viewer is a person with a browser of their own. Pages of one
    context share Chromium's six HTTP/1.1 connections per host, so a seventh EventSource tab of the baseline would
    wait for a free one (NiceGUI's websocket is not held to that limit, which would be unfair to the baseline).
    Close it with `page.context.close()`. What the page's console says about reloading is kept (`RELOADS`): a
    page that reloads loses what it recorded, and the measurement says why instead of failing without a word."""
    page = browser.new_context().new_page()
    said: list[str] = []
    page.on('console', lambda message: said.append(message.text) if 'reload' in message.text.lower() else None)
    page.on('framenavigated', lambda frame: said.append(f'navigated to {frame.url}')
            if frame == page.main_frame and len(said) < 50 else None)
    RELOADS[page] = said
    return page


def observe(page, url: str) -> None:
    """Load a page and start recording when each `tick N` reaches its DOM."""
    page.goto(url)
    page.wait_for_load_state('domcontentloaded')
    page.evaluate(OBSERVER)


def chatty(simulator: Process, *, view: str, rate: float, events: int, wait: float) -> str:
    """A session writing exactly `events` ticks at `rate` per second, starting `wait` seconds after provisioning
    (time for the viewers to be in place); `view` is `stream-json` or `plain text`. The simulator reads whole
    numbers: the rate is rounded and the wait rounded up."""
    return launch(simulator, f'scenario: chatty\nrate: {round(rate)}\nevents: {events}\nwait: {math.ceil(wait)}',
                  AGENTS[view])


def finish_all(simulator: Process, session_ids: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for session_id in session_ids:
        wait_finished(simulator, session_id, timeout=max(1.0, deadline - time.monotonic()))


def first_tick_time(emitted: dict[int, float]) -> float | None:
    return min(emitted.values()) if emitted else None
