"""Stream events other than Claude output: stages, turns, plain text, stderr and the terminal events."""

from __future__ import annotations

from aod_ui.transcript import (
    ErrorEntry,
    ExitEntry,
    NoticeEntry,
    StageEntry,
    StaleEntry,
    StderrEntry,
    StdoutEntry,
    TerminatedEntry,
    Transcript,
    TurnEntry,
)

from .samples import kinds, output


def test_start_event_names_the_provider_or_runtime_without_an_entry() -> None:
    transcript = Transcript()
    assert transcript.feed({'type': 'start', 'provider': 'anthropic', 'session_id': 's1'}) == []
    assert (transcript.provider, transcript.session_id, len(transcript)) == ('anthropic', 's1', 0)
    transcript.feed({'type': 'start', 'runtime': 'claude-code', 'session_id': 's1'})
    assert transcript.provider == 'claude-code'


def test_stage_started_then_done_updates_one_entry() -> None:
    transcript = Transcript()
    [added] = transcript.feed({'type': 'stage', 'id': 3, 'stage': 'install_runtime', 'state': 'started'})
    [updated] = transcript.feed({'type': 'stage', 'id': 4, 'stage': 'install_runtime', 'state': 'done',
                                 'duration_ms': 812})
    assert added.action == 'added' and updated.action == 'updated' and added.entry is updated.entry
    stage = added.entry
    assert isinstance(stage, StageEntry)
    assert (stage.name, stage.state, stage.duration_ms, stage.message, stage.turn) == (
        'install_runtime', 'done', 812, None, None)


def test_failed_stage_unknown_stage_and_done_without_started() -> None:
    transcript = Transcript()
    transcript.feed_many([
        {'type': 'stage', 'id': 1, 'stage': 'git_credentials', 'state': 'started'},
        {'type': 'stage', 'id': 2, 'stage': 'git_credentials', 'state': 'failed', 'duration_ms': 40,
         'message': 'bad token <b>x</b>'},
        {'type': 'stage', 'id': 3, 'stage': 'warp_drive', 'state': 'started'},
        {'type': 'stage', 'id': 4, 'stage': 'env_file', 'state': 'done', 'duration_ms': 5},
        {'type': 'stage', 'id': 5},
        {'type': 'error', 'id': 5, 'message': 'Session failed'},
    ])
    failed, unknown, done, empty, error = transcript.entries
    assert isinstance(failed, StageEntry) and (failed.state, failed.message) == ('failed', 'bad token <b>x</b>')
    assert isinstance(unknown, StageEntry) and (unknown.name, unknown.state) == ('warp_drive', 'started')
    assert isinstance(done, StageEntry) and (done.name, done.state, done.duration_ms) == ('env_file', 'done', 5)
    assert isinstance(empty, StageEntry) and (empty.name, empty.state) == ('?', '?')
    assert isinstance(error, ErrorEntry) and error.message == 'Session failed'
    assert transcript.finished


def test_turns_are_separated_and_prompts_filled_in_later() -> None:
    transcript = Transcript()
    assert transcript.set_turn_prompt(2, 'second prompt') == []
    transcript.feed_many([
        {'type': 'turn_start', 'id': 10, 'turn': 1},
        output('hello\n', 10),
        {'type': 'exit', 'id': 10, 'code': 0},
    ])
    assert transcript.finished and transcript.exit_code == 0
    transcript.feed_many([
        {'type': 'turn_start', 'id': 11, 'turn': 2},
        output('again\n', 11, turn=2),
        {'type': 'exit', 'id': 12, 'code': 3},
    ])
    assert kinds(transcript) == ['turn', 'stdout_text', 'exit', 'turn', 'stdout_text', 'exit']
    first, second = transcript.turn(1), transcript.turn(2)
    assert isinstance(first, TurnEntry) and (first.number, first.prompt) == (1, None)
    assert isinstance(second, TurnEntry) and second.prompt == 'second prompt'
    assert [entry.turn for entry in transcript.entries] == [1, 1, 1, 2, 2, 2]
    assert transcript.turns == [1, 2] and transcript.exit_code == 3

    [change] = transcript.set_turn_prompt(1, 'first <i>prompt</i>')
    assert change.action == 'updated' and change.entry is first and first.prompt == 'first <i>prompt</i>'
    assert transcript.prompts == {1: 'first <i>prompt</i>', 2: 'second prompt'}


def test_output_without_turn_start_opens_its_turn_and_repeated_turn_start_is_ignored() -> None:
    transcript = Transcript()
    transcript.feed_many([
        output('one\n', 1, turn=1),
        {'type': 'turn_start', 'id': 2, 'turn': 1},
        {'type': 'turn_start', 'id': 2, 'turn': 2},
        {'type': 'turn_start', 'id': 2, 'turn': 2},
        output('two\n', 2, turn=2),
    ])
    assert kinds(transcript) == ['turn', 'stdout_text', 'turn', 'stdout_text']


def test_partial_line_is_completed_by_newline_turn_change_terminal_event_or_flush() -> None:
    transcript = Transcript()
    assert [c.entry.kind for c in transcript.feed(output('no newline yet', 1))] == ['turn']
    [change] = transcript.feed(output(' - done\nnext', 2))
    assert isinstance(change.entry, StdoutEntry) and change.entry.lines == ['no newline yet - done']
    transcript.feed({'type': 'stale', 'id': 2, 'message': 'No output for 600s'})
    assert isinstance(transcript.entries[-1], StaleEntry) and not transcript.finished
    transcript.feed({'type': 'turn_start', 'id': 3, 'turn': 2})
    assert kinds(transcript) == ['turn', 'stdout_text', 'stale', 'stdout_text', 'turn']
    last = transcript.entries[-2]
    assert isinstance(last, StdoutEntry) and last.lines == ['next'] and last.turn == 1

    transcript.feed(output('tail', 4, turn=2))
    transcript.feed({'type': 'terminated', 'id': 4, 'message': 'Session terminated'})
    assert kinds(transcript)[-2:] == ['stdout_text', 'terminated']
    assert isinstance(transcript.entries[-1], TerminatedEntry) and transcript.finished

    transcript.feed(output('after the end', 5, turn=2))
    [change] = transcript.flush()
    assert isinstance(change.entry, StdoutEntry) and change.entry.lines == ['after the end']


def test_plain_text_runtime_lines_are_merged_up_to_the_limits() -> None:
    transcript = Transcript()
    data = ''.join(f'line {i}\n' for i in range(450))
    transcript.feed_many([output(data[:1000], 1), output(data[1000:], 2)])
    blocks = transcript.entries[1:]
    assert [len(b.lines) for b in blocks if isinstance(b, StdoutEntry)] == [200, 200, 50]
    assert [line for b in blocks if isinstance(b, StdoutEntry) for line in b.lines] == data.splitlines()
    assert blocks[0].text == '\n'.join(data.splitlines()[:200])


def test_merge_stops_at_the_character_limit_and_at_another_stream() -> None:
    transcript = Transcript(merge_chars=100)
    transcript.feed_many([
        output('a' * 60 + '\n' + 'b' * 60 + '\n', 1),
        output('oops\nwarn\n', 2, stream='stderr'),
        output('c\n', 3),
    ])
    assert kinds(transcript) == ['turn', 'stdout_text', 'stdout_text', 'stderr', 'stdout_text']
    stderr = transcript.entries[3]
    assert isinstance(stderr, StderrEntry) and stderr.lines == ['oops', 'warn']


def test_blank_lines_and_carriage_returns() -> None:
    transcript = Transcript()
    transcript.feed(output('\n\nfirst\r\n\nsecond\n', 1))
    assert kinds(transcript) == ['turn', 'stdout_text']
    block = transcript.entries[1]
    assert isinstance(block, StdoutEntry) and block.lines == ['first', '', 'second']


def test_stderr_lines() -> None:
    transcript = Transcript()
    changes = transcript.feed(output('warning: deprecated\nerror: <boom>\n', 7, stream='stderr'))
    assert [c.entry.kind for c in changes] == ['turn', 'stderr', 'stderr']  # a failure starts its own block
    warning, error = changes[1].entry, changes[2].entry
    assert isinstance(warning, StderrEntry) and (warning.lines, warning.failure) == (['warning: deprecated'], False)
    assert isinstance(error, StderrEntry) and (error.lines, error.failure) == (['error: <boom>'], True)
    assert warning.event_id == error.event_id == 7


def test_stderr_json_is_not_parsed() -> None:
    transcript = Transcript()
    transcript.feed(output('{"type": "result"}\n', 1, stream='stderr'))
    assert kinds(transcript) == ['turn', 'stderr']


def test_terminal_events() -> None:
    transcript = Transcript()
    transcript.feed_many([
        {'type': 'exit', 'id': 57, 'code': 1},
        {'type': 'error', 'id': 58, 'message': 'Session failed'},
        {'type': 'terminated', 'id': 59, 'message': 'Session terminated'},
        {'type': 'stale', 'id': 60},
    ])
    exit_, error, terminated, stale = transcript.entries
    assert isinstance(exit_, ExitEntry) and (exit_.code, exit_.event_id) == (1, 57)
    assert isinstance(error, ErrorEntry) and error.message == 'Session failed'
    assert isinstance(terminated, TerminatedEntry) and terminated.message == 'Session terminated'
    assert isinstance(stale, StaleEntry) and stale.message == 'stale'


def test_unknown_event_types_become_notices() -> None:
    transcript = Transcript()
    changes = transcript.feed_many([
        {'type': 'heartbeat_v2', 'id': 1},
        {'type': 'maintenance', 'message': 'Server restarting'},
        {'id': 3},
        {'type': 'output', 'id': 4, 'stream': 'stdout', 'data': None},
        {'type': 'output', 'id': 5, 'stream': 'weird', 'data': 'still text\n', 'turn': 'x'},
        'not a dict',  # type: ignore[list-item]
    ])
    assert [c.action for c in changes] == ['added'] * 6
    notices = [e for e in transcript.entries if isinstance(e, NoticeEntry)]
    assert [(n.event_type, n.message) for n in notices] == [
        ('heartbeat_v2', 'heartbeat_v2 event'), ('maintenance', 'Server restarting'), ('', 'untyped event'),
        ('', 'not an event: not a dict'),
    ]
    assert kinds(transcript) == ['notice', 'notice', 'notice', 'turn', 'stdout_text', 'notice']


def test_feed_many_reports_each_entry_once() -> None:
    transcript = Transcript()
    transcript.feed(output('a\n', 1))
    changes = transcript.feed_many([output('b\n', 2), output('c\n', 3), output('\n\n', 4)])
    assert [(c.action, c.entry.key) for c in changes] == [('updated', 2)]
    changes = transcript.feed_many([
        {'type': 'stage', 'id': 5, 'stage': 'skills', 'state': 'started'},
        {'type': 'stage', 'id': 6, 'stage': 'skills', 'state': 'done', 'duration_ms': 1},
    ])
    assert [(c.action, c.entry.kind) for c in changes] == [('added', 'stage')]


def test_keys_increase_and_get_finds_entries() -> None:
    transcript = Transcript()
    transcript.feed_many([output('a\n', 1), output('b\n', 2, stream='stderr'), {'type': 'exit', 'id': 3, 'code': 0}])
    keys = [entry.key for entry in transcript]
    assert keys == [1, 2, 3, 4]
    assert all(transcript.get(key) is entry for key, entry in zip(keys, transcript.entries, strict=True))
    assert transcript.get(0) is None and transcript.get(99) is None
