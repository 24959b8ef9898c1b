"""A transcript with a hold keeps about that much of the latest output, whatever the session writes."""

from __future__ import annotations

from aod_ui.transcript import LineIndex, RawLine, StdoutEntry, TextEntry, ToolEntry, Transcript

from .samples import output, stream_json


def _plain(transcript: Transcript, lines: int, per_event: int = 1) -> None:
    for first in range(0, lines, per_event):
        data = ''.join(f'line {n}\n' for n in range(first, min(lines, first + per_event)))
        transcript.feed(output(data, first + 1))


def test_a_long_session_keeps_only_about_the_hold() -> None:
    transcript = Transcript(merge_lines=50, hold=2000)
    _plain(transcript, 30_000)
    raw = transcript.raw
    assert 2000 <= len(raw.events) <= 2200 and len(raw) == 30_000 and not raw.complete
    assert raw.lines.line_count == 30_000 and 2000 <= raw.lines.line_count - raw.lines.first <= 2200
    assert raw.lines.texts(29_999) == ['line 29999']
    assert raw.lines.texts(0, 10) == []  # let go: positions stay, the text is gone
    assert raw.turn_lines(1).first == raw.lines.first
    held = sum(len(e.lines) for e in transcript.top_level() if isinstance(e, StdoutEntry))
    assert 2000 <= held <= 2250
    first = transcript.top_level()[0]
    assert transcript.top_dropped == first.key - 1  # plain output: every entry is top-level
    assert transcript.get(first.key) is first and transcript.get(first.key - 1) is None
    assert transcript.top_level()[-1].lines[-1] == 'line 29999'
    assert transcript.entries[-1].key == transcript.top_dropped + len(transcript.top_level())


def test_keys_and_changes_go_on_after_letting_go() -> None:
    transcript = Transcript(merge_lines=10, hold=2000)
    _plain(transcript, 5000)
    keys = [e.key for e in transcript.entries]
    assert keys == list(range(keys[0], keys[0] + len(keys)))
    changes = transcript.feed(output('one more\n', 99_999))
    assert [c.entry.key for c in changes] == [keys[-1] + 1] and changes[0].action == 'added'


def test_without_a_hold_everything_is_kept() -> None:
    transcript = Transcript()
    _plain(transcript, 12_000, per_event=100)
    assert transcript.raw.complete and transcript.raw.lines.first == 0 and transcript.top_dropped == 0
    assert len(transcript.raw.lines.texts()) == 12_000


def test_tools_of_entries_let_go_are_forgotten() -> None:
    transcript = Transcript(hold=2000)
    for n in range(3000):
        use = {'type': 'tool_use', 'id': f'toolu_{n}', 'name': 'Bash', 'input': {'command': f'step {n}'}}
        result = {'type': 'tool_result', 'tool_use_id': f'toolu_{n}', 'content': f'ok {n}'}
        transcript.feed(output(stream_json([{'type': 'assistant', 'message': {'content': [use]}},
                                            {'type': 'user', 'message': {'content': [result]}}]), n + 1))
    assert transcript.tool('toolu_0') is None
    last = transcript.tool('toolu_2999')
    assert isinstance(last, ToolEntry) and last.result == 'ok 2999' and last.status == 'done'
    assert 2000 <= len(transcript.top_level()) <= 2200
    assert all(isinstance(e, ToolEntry | TextEntry) for e in transcript.top_level())


def test_a_line_index_has_absolute_positions() -> None:
    index = LineIndex()
    for n in range(10):
        index.append(RawLine(1 + n // 5, 'stderr' if n % 2 else 'stdout', f'l{n}'))
    assert index.let_go(3) == [1, 1, 1]
    assert index.first == 3 and index.line_count == 10 and len(index) == 10
    assert index.lines(2, 5) == [RawLine(1, 'stderr', 'l3'), RawLine(1, 'stdout', 'l4')]
    assert index.texts(-2) == ['l8', 'l9'] and index.texts(8, 100) == ['l8', 'l9']


def _stages(transcript: Transcript, count: int) -> None:
    transcript.feed_many([{'type': 'stage', 'id': n, 'stage': f'step {n}', 'state': 'done'}
                          for n in range(1, count + 1)])


def test_a_hold_lets_go_only_past_a_tenth_more_and_then_down_to_the_hold() -> None:
    for hold, slack in ((20, 2), (5, 1), (120, 12)):
        whole = Transcript(hold=hold)
        _stages(whole, hold + slack)
        assert (len(whole.raw.events), len(whole.entries), whole.raw.events_dropped) == (hold + slack, hold + slack, 0)
        past = Transcript(hold=hold)
        _stages(past, hold + slack + 1)
        assert (len(past.raw.events), len(past.entries)) == (hold, hold)
        assert [e.event_id for e in past.entries] == list(range(slack + 2, hold + slack + 2))


def test_a_hold_counts_lines_and_keeps_the_latest_entry_however_big() -> None:
    transcript = Transcript(hold=20, merge_lines=200)
    transcript.feed({'type': 'turn_start', 'id': 1, 'turn': 1})
    transcript.feed(output(''.join(f'l{n}\n' for n in range(22)), 2))
    assert transcript.raw.lines.first == 0  # 22 lines: within the tenth more
    transcript.feed(output(''.join(f'm{n}\n' for n in range(78)), 3))
    assert (transcript.raw.lines.first, transcript.raw.lines.line_count) == (80, 100)
    [only] = transcript.entries  # the turn header went; the one entry holding the latest lines stays
    assert only.kind == 'stdout_text' and only.lines[-1] == 'm77'


def test_the_first_tool_kept_still_takes_its_result() -> None:
    transcript = Transcript(hold=20)
    transcript.feed({'type': 'turn_start', 'id': 1, 'turn': 1})
    for n in range(25):
        use = {'type': 'tool_use', 'id': f'toolu_{n}', 'name': 'Bash', 'input': {'command': f'step {n}'}}
        transcript.feed(output(stream_json([{'type': 'assistant', 'message': {'content': [use]}}]), n + 2))
    first = transcript.top_level()[0]
    assert isinstance(first, ToolEntry) and first.tool_use_id == 'toolu_5' and len(transcript.top_level()) == 20
    assert transcript.tool('toolu_4') is None and transcript.tool('toolu_5') is first
    result = {'type': 'tool_result', 'tool_use_id': 'toolu_5', 'content': 'late but fine'}
    transcript.feed(output(stream_json([{'type': 'user', 'message': {'content': [result]}}]), 99))
    assert (first.result, first.status) == ('late but fine', 'done')
