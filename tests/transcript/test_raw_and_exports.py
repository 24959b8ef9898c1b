"""The raw log: exact lines for the raw view, JSON Lines and text downloads, huge and hostile output."""

from __future__ import annotations

import json

from aod_ui.transcript import RawLine, RawLog, StdoutEntry, TextEntry, ToolEntry, Transcript

from .samples import CLAUDE_RUN, chunked, output, session, stream_json

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> &amp; &lt;b&gt;'


def test_lines_window_over_a_turn() -> None:
    raw = RawLog()
    raw.append({'type': 'turn_start', 'id': 1, 'turn': 1})
    done = raw.append(output('one\ntwo\nthr', 1))
    assert done == [RawLine(1, 'stdout', 'one'), RawLine(1, 'stdout', 'two')]
    assert raw.pending() == [RawLine(1, 'stdout', 'thr')]
    raw.append(output('ee\r\n', 2))
    raw.append(output('oops\n', 3, stream='stderr'))
    raw.append(output('turn two\n', 4, turn=2))
    index = raw.turn_lines(1)
    assert index.line_count == 4
    assert index.lines(1, 3) == [RawLine(1, 'stdout', 'two'), RawLine(1, 'stdout', 'three\r')]
    assert index.texts(3) == ['oops']
    assert index.lines(10, 20) == []
    assert raw.turn_lines(2).texts() == ['turn two']
    assert raw.turn_lines(9).line_count == 0
    assert raw.turns == [1, 2]
    assert raw.lines.line_count == 5 and raw.lines.lines(-1)[0].turn == 2


def test_raw_lines_keep_every_character_including_unfinished_ones_at_exit() -> None:
    data = stream_json(CLAUDE_RUN) + 'no newline at the end'
    transcript = Transcript()
    transcript.feed_many(session(data, list(range(7, len(data), 97))))
    assert '\n'.join(transcript.raw.turn_lines(1).texts()) == data


def test_jsonl_export_round_trips_exactly() -> None:
    events = [*session(stream_json(CLAUDE_RUN), [5, 900, 901]), {'type': 'future', 'x': [1, {'y': None}]},
              output(HOSTILE + '\u2028é😀\n', 99, stream='stderr')]
    transcript = Transcript()
    transcript.feed_many(events)
    chunks = list(transcript.to_jsonl())
    text = ''.join(chunks)
    assert text.endswith('\n')
    assert [json.loads(line) for line in text.split('\n')[:-1]] == events
    assert len(text.split('\n')) - 1 == len(transcript.raw) == len(events)


def test_exports_come_in_bounded_chunks() -> None:
    transcript = Transcript()
    transcript.feed_many(chunked(''.join(f'line {i:06d}\n' for i in range(30_000)), list(range(1000, 360_000, 1000))))
    jsonl = list(transcript.to_jsonl())
    text = list(transcript.to_text())
    assert len(jsonl) > 3 and len(text) > 3
    assert max(len(chunk) for chunk in text) < 100_000
    assert ''.join(text).count('\nline ') == 30_000


def test_text_export_content() -> None:
    transcript = Transcript()
    transcript.set_turn_prompt(1, 'Fix the failing test\nplease')
    transcript.feed_many(session(stream_json(CLAUDE_RUN), [333]))
    transcript.feed(output('deprecated thing\n', 40, stream='stderr'))
    text = ''.join(transcript.to_text())
    expected = '''\
[start] anthropic sess-1
[stage] create_sprite started
[stage] create_sprite done (812 ms)

=== Turn 1 ===
Prompt: Fix the failing test
        please
[system] init · model claude-sonnet-4 · 4 tools · MCP: github
[thinking] The test fails — let me look. ✓
I'll run the tests first.
$ Bash: pytest -q
    1 failed, 3 passed
$ Task: Find the bug
[system] task_started: Find the bug
  [prompt] Look at app.py
  $ Read: /src/app.py
    [tool error]
      File does not exist.
  (result of Task: Find the bug)
    The bug is in
    utils.py
$ Edit: /src/utils.py
    ok
Fixed: utils.py swapped a for b.
[result] success · 12.3 s · 7 turns · $0.0123
[exit] code 0
[stderr] deprecated thing
'''
    assert text == expected.replace('The bug is in\n', 'The bug is in \n')


def test_text_export_of_plain_output_multiple_turns_and_terminal_events() -> None:
    transcript = Transcript()
    transcript.set_turn_prompt(2, 'more')
    transcript.feed_many([
        {'type': 'stage', 'id': 1, 'stage': 'skills', 'state': 'failed', 'duration_ms': 3, 'message': 'no skill'},
        {'type': 'turn_start', 'id': 2, 'turn': 1},
        output('plain {text}\n', 2),
        {'type': 'exit', 'id': 2, 'code': 0},
        {'type': 'turn_start', 'id': 3, 'turn': 2},
        output('partial', 3, turn=2),
        {'type': 'stale', 'id': 3, 'message': 'No output for 600s'},
        {'type': 'mystery', 'id': 4},
        {'type': 'terminated', 'id': 4, 'message': 'Session terminated'},
    ])
    assert ''.join(transcript.to_text()) == '''\
[stage] skills failed (3 ms): no skill

=== Turn 1 ===
plain {text}
[exit] code 0

=== Turn 2 ===
Prompt: more
[stale] No output for 600s
[notice] mystery
partial
[terminated] Session terminated
'''


def test_ten_megabyte_line_is_clipped_for_display_and_complete_in_the_raw_log() -> None:
    big = 'é' * 10_000_000
    line = json.dumps({'type': 'assistant', 'message': {'content': [{'type': 'text', 'text': big}]}},
                      ensure_ascii=False)
    plain = 'p' * 10_000_000
    data = line + '\n' + plain + '\n'
    transcript = Transcript()
    transcript.feed_many(chunked(data, list(range(65_536, len(data), 65_536))))
    text, block = transcript.entries[1], transcript.entries[2]
    assert isinstance(text, TextEntry) and isinstance(block, StdoutEntry)
    assert text.text == 'é' * 200_000 + '… (9800000 more characters)'
    assert block.lines == ['p' * 200_000 + '… (9800000 more characters)']
    assert transcript.raw.turn_lines(1).texts() == [line, plain]
    exported = ''.join(transcript.to_jsonl())
    assert ''.join(json.loads(row)['data'] for row in exported.splitlines()) == data
    assert big in ''.join(transcript.to_text())


def test_huge_tool_input_and_result_are_clipped() -> None:
    lines = [
        {'type': 'assistant', 'message': {'content': [
            {'type': 'tool_use', 'id': 'w', 'name': 'Write', 'input': {'file_path': '/a', 'content': 'c' * 500_000,
                                                                       'items': list(range(5000))}}]}},
        {'type': 'user', 'message': {'content': [
            {'type': 'tool_result', 'tool_use_id': 'w', 'content': 'r' * 300_000}]}},
    ]
    transcript = Transcript(display_limit=1000)
    transcript.feed(output(stream_json(lines), 1))
    tool = transcript.tool('w')
    assert isinstance(tool, ToolEntry)
    assert tool.summary == 'Write: /a'
    assert tool.input['content'] == 'c' * 1000 + '… (499000 more characters)'
    assert len(tool.input['items']) == 1001 and tool.input['items'][-1] == '… (4000 more items)'
    assert tool.result == 'r' * 1000 + '… (299000 more characters)'


def test_hostile_html_is_kept_verbatim_as_text() -> None:
    lines = [
        {'type': 'assistant', 'message': {'content': [
            {'type': 'text', 'text': HOSTILE},
            {'type': 'thinking', 'thinking': HOSTILE},
            {'type': 'tool_use', 'id': 'h', 'name': 'Bash', 'input': {'command': HOSTILE}}]}},
        {'type': 'user', 'message': {'content': [{'type': 'tool_result', 'tool_use_id': 'h', 'content': HOSTILE}]}},
    ]
    transcript = Transcript()
    transcript.set_turn_prompt(1, HOSTILE)
    transcript.feed_many([output(stream_json(lines) + HOSTILE + '\n', 1), output(HOSTILE + '\n', 2, stream='stderr'),
                          {'type': 'error', 'id': 3, 'message': HOSTILE}])
    turn, text, thinking, tool, plain, stderr, error = transcript.entries
    assert turn.prompt == HOSTILE  # type: ignore[attr-defined]
    assert text.text == thinking.text == HOSTILE  # type: ignore[attr-defined]
    assert isinstance(tool, ToolEntry) and tool.input == {'command': HOSTILE} and tool.result == HOSTILE
    assert tool.summary == f'Bash: {HOSTILE}'
    assert plain.lines == stderr.lines == [HOSTILE]  # type: ignore[attr-defined]
    assert error.message == HOSTILE  # type: ignore[attr-defined]
    exported = ''.join(transcript.to_text())
    assert exported.count(HOSTILE) == 8 and '&lt;script' not in exported


def test_a_hundred_thousand_plain_lines() -> None:
    data = ''.join(f'{i} building module {i % 97} <ok>\n' for i in range(100_000))
    events = chunked(data, list(range(4096, len(data), 4096)))
    transcript = Transcript()
    changes = 0
    for event in events:
        changes += len(transcript.feed(event))
    transcript.feed({'type': 'exit', 'id': 10_000, 'code': 0})
    blocks = [e for e in transcript.entries if isinstance(e, StdoutEntry)]
    assert len(blocks) == 500 and len(transcript) == 502
    assert all(len(b.lines) <= 200 and b.chars <= 64 * 1024 for b in blocks)
    assert sum(len(b.lines) for b in blocks) == 100_000
    assert changes < 2 * len(events)
    assert transcript.raw.turn_lines(1).line_count == 100_000
    assert transcript.raw.turn_lines(1).texts(99_999) == ['99999 building module 89 <ok>']
    assert ''.join(transcript.to_text()).count('\n') == 100_000 + 3


def test_a_hundred_thousand_stream_json_lines() -> None:
    line = stream_json([{'type': 'assistant', 'message': {'content': [{'type': 'text', 'text': 'step'}]}}])
    data = line * 100_000
    transcript = Transcript()
    transcript.feed_many(chunked(data, list(range(8192, len(data), 8192))))
    assert len(transcript) == 100_001
    assert transcript.raw.lines.line_count == 100_000
