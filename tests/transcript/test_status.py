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


def test_output_alone_means_the_agent_runs() -> None:
    # a connection resumed in the middle of a turn reads its output without the turn_start before it
    assert status_after('pending', [{'type': 'output', 'stream': 'stdout', 'data': 'x'}]) == 'running'
    assert fact([TURN_1, OUT_1, EXIT_0], [{'type': 'output', 'stream': 'stdout', 'data': 'y', 'turn': 2}]) == \
        ['completed', 'running']  # output of the next turn starts it


def test_the_turn_is_the_latest_one_named() -> None:
    status = SessionStatus()
    assert status.turn == 0  # none known yet
    status.hear([EXIT_0])
    assert (status.value, status.turn) == ('completed', 0)
    status.answer('pending', 1)  # a named turn is later than an unknown one
    assert (status.value, status.turn) == ('pending', 1)
    status.hear([{'type': 'turn_start', 'turn': 3}])
    assert (status.value, status.turn) == ('running', 3)


@pytest.mark.parametrize('turn', [0, -1, True, '2', 2.0])
def test_an_answer_naming_no_valid_turn_is_about_the_latest_turn(turn: object) -> None:
    assert fact(('running', 2), ('terminated', turn)) == ['running', 'terminated']
    assert fact(('completed', 2), ('running', turn)) == ['completed', 'completed']  # an earlier step of turn 2


def test_only_turn_start_and_output_name_their_turn() -> None:
    # AoD names the turn on these two only; a `turn` on any other event is not taken as the event's turn
    second = {'type': 'turn_start', 'turn': 2}
    assert fact([second], [{'type': 'exit', 'code': 0, 'turn': 1}]) == ['running', 'completed']
    assert fact([second], [{'type': 'terminated', 'turn': 1}]) == ['running', 'terminated']


def test_a_status_aod_names_that_is_not_known_counts_as_running() -> None:
    assert fact(('running', 1), ('provisioning', 1), ('running', 1)) == ['running', 'provisioning', 'running']
    assert fact(('provisioning', 1), ('pending', 1), ('completed', 1)) == ['provisioning', 'provisioning', 'completed']
    assert fact(('completed', 1), ('provisioning', 1)) == ['completed', 'completed']


def test_within_a_turn_the_later_of_two_ends_is_taken() -> None:
    # completed and failed are the same step: the later answer is the news (an exit 0, then AoD's `failed`)
    assert fact([TURN_1, EXIT_0], ('failed', 1)) == ['completed', 'failed']
    assert fact(('failed', 1), ('completed', None)) == ['failed', 'completed']


def test_answers_and_events_tell_whether_the_status_changed() -> None:
    status = SessionStatus()
    assert not status.answer('')  # no answer
    assert status.value == ''
    assert status.answer('running', 1)
    assert not status.answer('running', 1)  # the same again
    assert not status.answer('pending', 1)  # behind it
    assert not status.hear([{'type': 'start'}, {'type': 'checkpoint'}])  # nothing about the status
    assert not status.hear([OUT_1])
    assert status.hear([EXIT_0])
    assert not status.answer('running', None)
    assert status.hear([{'type': 'turn_start', 'turn': 2}])
    assert not status.answer('completed', 1)  # about the turn before
    assert not status.hear([OUT_1])
    assert status.value == 'running' and status.turn == 2
    assert status.hear([{'type': 'turn_start', 'turn': 3}, EXIT_0])
    assert not status.hear([EXIT_0, {'type': 'output', 'stream': 'stdout', 'data': 'z', 'turn': 3}])
