"""A bounded load test, loopback only: 100 websocket viewers of live sessions for two minutes."""

from __future__ import annotations

from bench import scenarios
from bench.harness import stack


def test_a_hundred_websocket_viewers_for_two_minutes():
    """The dashboard in its own process against the simulator; 100 NiceGUI websocket clients (10 per session) load
    their pages at once and receive every update for 120 s: no errors, no crash, healthy afterwards."""
    with stack() as (simulator, dashboard, _):
        row, healthy = scenarios.websocket_load(simulator, dashboard, 100, 120)
    assert row.met, row.note
    assert row.ours == 0
    assert healthy.ours == 1
