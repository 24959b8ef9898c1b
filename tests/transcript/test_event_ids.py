"""Each entry of the transcript knows the event it came from (pages link to it, the hold counts by it) and its turn,
and the transcript's own facts start empty and follow the events."""

from __future__ import annotations

from aod_ui.transcript import Transcript

from .samples import CLAUDE_RUN, output, stream_json


def test_every_entry_names_its_event_and_turn() -> None:
    transcript = Transcript()
    assert (transcript.provider, transcript.session_id, transcript.exit_code, transcript.finished) == \
        (None, None, None, False)
    transcript.feed_many([
        {'type': 'start', 'provider': 'anthropic', 'session_id': 's1'},
        {'type': 'stage', 'id': 1, 'stage': 'install', 'state': 'done', 'duration_ms': 5},
        {'type': 'turn_start', 'id': 2, 'turn': 1},
        output('plain\n', 3),
        output(stream_json(CLAUDE_RUN[:3]), 4),
        output('err\n', 5, stream='stderr'),
        {'type': 'exit', 'id': 6, 'code': 0},
    ])
    assert (transcript.provider, transcript.session_id, transcript.exit_code, transcript.finished) == \
        ('anthropic', 's1', 0, True)
    transcript.feed_many([
        {'type': 'turn_start', 'id': 7},  # no turn number: the one after the last
        {'type': 'stale', 'id': 8, 'message': 'quiet'},
        {'type': 'weird', 'id': 9, 'message': 'hm'},
        {'type': 'error', 'id': 10},
        'junk ' * 100,
    ])
    assert [(e.kind, e.event_id, e.turn) for e in transcript.entries] == [
        ('stage', 1, None), ('turn', 2, 1), ('stdout_text', 3, 1), ('system', 4, 1), ('thinking', 4, 1),
        ('text', 4, 1), ('tool', 4, 1), ('stderr', 5, 1), ('exit', 6, 1), ('turn', 7, 2), ('stale', 8, 2),
        ('notice', 9, 2), ('error', 10, 2), ('notice', None, 2)]
    *_, weird, error, junk = transcript.entries
    assert (weird.message, weird.event_type) == ('hm', 'weird')
    assert error.message == 'error'
    assert (junk.message, junk.event_type) == ('not an event: ' + ('junk ' * 100)[:200], '')


def test_a_new_turn_opens_a_finished_session_again() -> None:
    transcript = Transcript()
    transcript.feed_many([{'type': 'turn_start', 'id': 1, 'turn': 1}, {'type': 'exit', 'id': 2, 'code': 0}])
    assert transcript.finished is True
    transcript.feed({'type': 'turn_start', 'id': 3, 'turn': 2})
    assert transcript.finished is False
    transcript.feed({'type': 'turn_start', 'id': 4})
    assert [e.number for e in transcript.entries if e.kind == 'turn'] == [1, 2, 3]


def test_output_before_any_turn_start_belongs_to_turn_one() -> None:
    transcript = Transcript()
    transcript.feed(output('early\n', 5, turn=None))  # type: ignore[arg-type]
    assert [(e.kind, e.event_id, e.turn) for e in transcript.entries] == [('turn', 5, 1), ('stdout_text', 5, 1)]
