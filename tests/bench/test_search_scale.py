"""The search scenario at a tiny size, in this process (no browser): it builds the index from a generated archive
through the real indexer and measures every figure; and the full run is the target's size."""

from __future__ import annotations

from bench import api_followers
from bench.scenarios import latency
from bench.scenarios import search as scenario


def test_the_search_scenario_measures_every_figure_at_a_tiny_size():
    rows = {row.metric: row for row in scenario.search(20, 200, seconds=0.5, searches=16)}
    assert set(rows) == {scenario.INDEXED, scenario.BUILD, scenario.LAG, scenario.P50, scenario.P99, scenario.SIZE}
    assert rows[scenario.INDEXED].ours == 20 * 200  # every generated line, through the indexer
    assert all(row.ours is not None and row.ours > 0 for row in rows.values())
    assert rows[scenario.P99].note == '20 sessions × 200 lines'


def test_the_full_runs_are_the_targets_size():
    index, live = scenario.FULL['index'], scenario.FULL['live']
    assert index['sessions'] == 10_000 and index['sessions'] * index['lines'] == 10_000_000
    assert live == {key: latency.FULL[key] for key in live}  # the latency scenario's load, beside indexing
    assert api_followers.FULL['followers'] == 100 and api_followers.FULL['viewers'] == 50
