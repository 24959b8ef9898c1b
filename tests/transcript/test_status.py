"""The one rule for a session's status as its stream events arrive (`status_after`), and the session's current status
fed by those events and AoD's answers (`SessionStatus`)."""

from __future__ import annotations

import pytest

from aod_ui.transcript import SessionStatus, status_after


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


def fact(*steps: tuple[str, int | None] | list[dict]) -> list[str]:
    """The status after each step: an answer `(status, turn)` or a list of stream events."""
    status, seen = SessionStatus(), []
    for step in steps:
        if isinstance(step, tuple):
            status.answer(*step)
        else:
            status.hear(step)
        seen.append(status.value)
    return seen


TURN_1 = {'type': 'turn_start', 'turn': 1}
OUT_1 = {'type': 'output', 'stream': 'stdout', 'data': 'x', 'turn': 1}
EXIT_0 = {'type': 'exit', 'code': 0}


def test_a_session_status_moves_on_by_answers_and_events() -> None:
    assert fact(('pending', 1), [{'type': 'stage', 'stage': 'create_sprite', 'state': 'done'}], [TURN_1, OUT_1],
                [EXIT_0]) == ['pending', 'pending', 'running', 'completed']
    assert fact([TURN_1, {'type': 'exit', 'code': 3}]) == ['failed']
    assert SessionStatus().value == ''


def test_an_answer_from_before_the_latest_events_does_not_take_the_status_back() -> None:
    assert fact([TURN_1, OUT_1, EXIT_0], ('running', 1), ('pending', None)) == ['completed'] * 3
    assert fact([TURN_1], ('pending', 1)) == ['running', 'running']


def test_a_resumed_connection_repeating_its_turn_does_not_take_the_status_back() -> None:
    resumed = [{'type': 'start'}, TURN_1, {'type': 'stage', 'stage': 'runtime_start', 'state': 'started'}]
    assert fact([TURN_1, OUT_1, EXIT_0], resumed) == ['completed', 'completed']


def test_output_after_a_stop_does_not_make_the_session_running_again() -> None:
    assert fact([TURN_1, OUT_1], ('terminated', None), [OUT_1], [{'type': 'terminated'}]) == \
        ['running', 'terminated', 'terminated', 'terminated']
    assert fact([TURN_1, OUT_1, EXIT_0], ('terminated', None)) == ['completed', 'terminated']  # stop after the end


def test_a_new_turn_starts_with_a_follow_up() -> None:
    second = [{'type': 'stage', 'stage': 'runtime_start', 'state': 'started'}, {'type': 'turn_start', 'turn': 2},
              {'type': 'output', 'stream': 'stdout', 'data': 'y', 'turn': 2}, EXIT_0]
    assert fact([TURN_1, OUT_1, EXIT_0], ('pending', 2), second) == ['completed', 'pending', 'completed']
    assert fact([TURN_1, OUT_1, EXIT_0], second[:2]) == ['completed', 'running']  # a follow-up sent elsewhere
    assert fact([TURN_1, OUT_1, EXIT_0], ('running', 2), ('completed', 1)) == ['completed', 'running', 'running']
