"""The one rule for a session's status as its stream events arrive (`status_after`)."""

from __future__ import annotations

import pytest

from aod_ui.transcript import LiveStatus, status_after


@pytest.mark.parametrize(('before', 'events', 'after'), [
    ('running', [{'type': 'exit', 'id': 9, 'code': 0}], 'completed'),
    ('running', [{'type': 'exit', 'id': 9, 'code': 1}], 'failed'),  # exit alone does not mean success
    ('running', [{'type': 'exit', 'id': 9, 'code': 137}], 'failed'),
    ('running', [{'type': 'exit', 'id': 9}], 'failed'),  # no code: nothing says it succeeded
    ('running', [{'type': 'exit', 'id': 9, 'code': False}], 'failed'),
    ('pending', [{'type': 'stage', 'stage': 'install_runtime', 'state': 'failed'},
                 {'type': 'turn_start', 'turn': 1}, {'type': 'output', 'stream': 'stderr', 'data': 'provision failed'},
                 {'type': 'error', 'message': 'Session failed'}], 'failed'),
    ('running', [{'type': 'terminated', 'message': 'Session terminated'}], 'terminated'),
    # pending through provisioning, until just before the runtime starts
    ('pending', [{'type': 'stage', 'stage': 'create_sprite', 'state': 'done'},
                 {'type': 'stage', 'stage': 'network_policy', 'state': 'done'}], 'pending'),
    ('pending', [{'type': 'stage', 'stage': 'runtime_start', 'state': 'started'}], 'running'),
    ('completed', [{'type': 'stage', 'stage': 'runtime_start', 'state': 'started'}], 'running'),  # a follow-up
    ('pending', [{'type': 'turn_start', 'turn': 2}, {'type': 'output', 'stream': 'stdout', 'data': 'x'}], 'running'),
    ('running', [{'type': 'output', 'stream': 'stdout', 'data': 'x'}, {'type': 'exit', 'code': 2}], 'failed'),
    ('running', [{'type': 'stale', 'message': 'No output for 600s'}], 'running'),
    ('running', [{'type': 'checkpoint'}, {'type': 'start', 'provider': 'anthropic'}], 'running'),
    ('failed', [], 'failed'),
])
def test_status_after(before: str, events: list[dict], after: str) -> None:
    assert status_after(before, events) == after


def _turn(number: int, code: int = 0, first_id: int = 1) -> list[dict]:
    stages = [{'type': 'stage', 'id': first_id, 'stage': 'runtime_start', 'state': 'started'}]
    return [*stages, {'type': 'turn_start', 'id': first_id + 1, 'turn': number},
            {'type': 'output', 'id': first_id + 1, 'stream': 'stdout', 'data': 'work\n', 'turn': number},
            {'type': 'exit', 'id': first_id + 1, 'code': code}]


def test_history_read_after_the_page_opened_neither_moves_the_status_nor_announces_an_end() -> None:
    # AoD said `completed` after two turns; the hub is still reading both from the start
    live = LiveStatus('completed', 2)
    seen = [live.feed([event]) for event in _turn(1) + _turn(2, first_id=10)]
    assert set(seen) == {'completed'}
    # a follow-up (turn 3) is live: it runs, then ends
    assert live.feed(_turn(3, code=1, first_id=20)[:2]) == 'running'
    assert live.feed(_turn(3, code=1, first_id=20)[2:]) == 'failed'


def test_the_turn_aod_said_was_active_is_live_from_its_first_event() -> None:
    live = LiveStatus('pending', 1)
    assert live.feed([{'type': 'stage', 'id': 1, 'stage': 'create_sprite', 'state': 'started'}]) == 'pending'
    assert live.feed(_turn(1)[:2]) == 'running'
    assert live.feed([{'type': 'terminated', 'id': 3, 'message': 'Session terminated'}]) == 'terminated'


def test_a_running_second_turn_ignores_the_first_turns_end() -> None:
    live = LiveStatus('running', 2)
    assert live.feed(_turn(1)) == 'running'  # turn 1's exit 0 is history: the session did not complete now
    assert live.feed(_turn(2, first_id=10)[:3]) == 'running'
    assert live.feed(_turn(2, first_id=10)[3:]) == 'completed'


def test_the_replay_brings_a_status_aod_had_not_told_yet() -> None:
    live = LiveStatus('pending', 1)  # AoD's answer; the hub had read on when the page joined it
    assert live.feed(_turn(1)[:3]) == 'running'
    live = LiveStatus('running', 3)
    assert live.feed(_turn(1) + _turn(2, first_id=10)) == 'running'  # turns 1 and 2 held by the hub: history
    assert live.feed([{'type': 'stage', 'id': 30, 'stage': 'runtime_start', 'state': 'started'}]) == 'running'
    assert live.feed([{'type': 'exit', 'id': 31, 'code': 0}]) == 'completed'  # turn 3's end
