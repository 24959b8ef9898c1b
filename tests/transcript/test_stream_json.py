"""Claude stream-json output becomes structured entries, however the chunks are cut."""

from __future__ import annotations

import json
import random

from aod_ui.transcript import (
    NoticeEntry,
    ResultEntry,
    StdoutEntry,
    SystemEntry,
    TextEntry,
    ThinkingEntry,
    ToolEntry,
    Transcript,
)

from .samples import CLAUDE_RUN, INIT, chunked, kinds, output, session, stream_json, view

DATA = stream_json(CLAUDE_RUN[:9])


def fed(events: list[dict]) -> Transcript:
    transcript = Transcript()
    transcript.feed_many(events)
    return transcript


def test_sample_gives_the_expected_entries() -> None:
    transcript = fed(session(stream_json(CLAUDE_RUN)))
    assert kinds(transcript) == [
        'stage', 'turn', 'system', 'thinking', 'text', 'tool', 'tool', 'system', 'text', 'tool', 'tool', 'text',
        'result', 'exit',
    ]


def test_every_single_cut_position_gives_the_same_entries() -> None:
    expected = view(fed(session(DATA)))
    for position in range(1, len(DATA)):
        assert view(fed(session(DATA, [position]))) == expected, position


def test_one_character_chunks_and_random_cuts_give_the_same_entries() -> None:
    expected = view(fed(session(DATA)))
    assert view(fed(session(DATA, list(range(1, len(DATA)))))) == expected
    rng = random.Random(7)
    for _ in range(50):
        cuts = sorted(rng.sample(range(1, len(DATA)), rng.randint(2, 30)))
        assert view(fed(session(DATA, cuts))) == expected


def test_several_lines_in_one_chunk_and_a_line_over_many_chunks() -> None:
    line = json.dumps({'type': 'assistant', 'message': {'content': [{'type': 'text', 'text': 'x' * 5000}]}}) + '\n'
    events = chunked(stream_json([INIT]) + line, [len(stream_json([INIT])) + i for i in range(100, 5000, 100)])
    transcript = fed(events)
    assert kinds(transcript) == ['turn', 'system', 'text']
    text = transcript.entries[2]
    assert isinstance(text, TextEntry) and text.text == 'x' * 5000


def test_system_init() -> None:
    transcript = fed(session(stream_json([INIT])))
    init = transcript.entries[2]
    assert isinstance(init, SystemEntry)
    assert (init.subtype, init.model, init.tools_count, init.mcp_servers) == ('init', 'claude-sonnet-4', 4, ['github'])
    assert transcript.model == 'claude-sonnet-4'


def test_thinking_and_text() -> None:
    transcript = fed(session(stream_json(CLAUDE_RUN[:2])))
    thinking, text = transcript.entries[3], transcript.entries[4]
    assert isinstance(thinking, ThinkingEntry) and thinking.text == 'The test fails — let me look. ✓'
    assert isinstance(text, TextEntry) and (text.text, text.role) == ("I'll run the tests first.", 'assistant')


def test_tool_use_then_result_updates_the_same_entry() -> None:
    transcript = Transcript()
    transcript.feed({'type': 'turn_start', 'id': 1, 'turn': 1})
    changes = transcript.feed(output(stream_json(CLAUDE_RUN[2:3]), 1))
    tool = transcript.tool('toolu_1')
    assert [(c.action, c.entry) for c in changes] == [('added', tool)]
    assert tool is not None and (tool.status, tool.result, tool.summary) == ('pending', None, 'Bash: pytest -q')
    assert tool.input == {'command': 'pytest -q', 'timeout': 60}

    changes = transcript.feed(output(stream_json(CLAUDE_RUN[3:4]), 2))
    assert [(c.action, c.entry.key) for c in changes] == [('updated', tool.key)]
    assert (tool.status, tool.result, tool.is_error) == ('done', '1 failed, 3 passed', False)


def test_tool_error_result_from_text_blocks() -> None:
    transcript = fed(session(stream_json(CLAUDE_RUN)))
    read = transcript.tool('toolu_2')
    assert read is not None
    assert (read.status, read.is_error, read.result) == ('error', True, 'File does not exist.')
    task = transcript.tool('toolu_task')
    assert task is not None and task.result == 'The bug is in \nutils.py'


def test_subagent_entries_nest_under_their_task() -> None:
    transcript = fed(session(stream_json(CLAUDE_RUN)))
    task = transcript.tool('toolu_task')
    assert task is not None and task.summary == 'Task: Find the bug'
    children = transcript.children(task)
    assert [c.kind for c in children] == ['text', 'tool']
    assert all(child.parent == task.key for child in children)
    prompt, read = children
    assert isinstance(prompt, TextEntry) and (prompt.role, prompt.text) == ('user', 'Look at app.py')
    assert isinstance(read, ToolEntry) and read.summary == 'Read: /src/app.py'
    assert task.key in [e.key for e in transcript.top_level()]
    assert read.key not in [e.key for e in transcript.top_level()]
    assert list(transcript.top_level()) == [e for e in transcript.entries if e.parent is None]


def test_nested_subagents_and_unknown_parent() -> None:
    lines = [
        {'type': 'assistant', 'message': {'content': [{'type': 'tool_use', 'id': 'a', 'name': 'Task', 'input': {}}]}},
        {'type': 'assistant', 'parent_tool_use_id': 'a',
         'message': {'content': [{'type': 'tool_use', 'id': 'b', 'name': 'Task', 'input': {}}]}},
        {'type': 'assistant', 'parent_tool_use_id': 'b', 'message': {'content': [{'type': 'text', 'text': 'deep'}]}},
        {'type': 'assistant', 'parent_tool_use_id': 'zzz', 'message': {'content': [{'type': 'text', 'text': 'lost'}]}},
    ]
    transcript = fed([output(stream_json(lines), 1)])
    outer, inner = transcript.tool('a'), transcript.tool('b')
    assert outer is not None and inner is not None
    assert outer.children == [inner.key] and inner.parent == outer.key
    deep = transcript.get(inner.children[0])
    assert isinstance(deep, TextEntry) and deep.text == 'deep'
    assert transcript.entries[-1].parent is None


def test_final_result_values() -> None:
    transcript = fed(session(stream_json(CLAUDE_RUN)))
    result = transcript.entries[-2]
    assert isinstance(result, ResultEntry)
    assert (result.subtype, result.is_error, result.duration_ms, result.num_turns, result.cost_usd) == (
        'success', False, 12345, 7, 0.0123)
    assert result.usage == {'input_tokens': 1200, 'output_tokens': 340}
    assert result.text == 'Fixed: utils.py swapped a for b.'


def test_error_result() -> None:
    line = {'type': 'result', 'subtype': 'error_max_turns', 'is_error': True, 'duration_ms': 'soon'}
    result = fed([output(stream_json([line]), 1)]).entries[-1]
    assert isinstance(result, ResultEntry)
    assert (result.subtype, result.is_error, result.duration_ms, result.cost_usd) == (
        'error_max_turns', True, None, None)


def test_non_json_lines_on_stdout_are_plain_text() -> None:
    data = 'Starting agent…\n' + stream_json([INIT]) + '{not json}\n{"no": "type"}\n[1, 2]\n' + stream_json(
        CLAUDE_RUN[1:2])
    transcript = fed([output(data, 1)])
    assert kinds(transcript) == ['turn', 'stdout_text', 'system', 'stdout_text', 'thinking', 'text']
    first, malformed = transcript.entries[1], transcript.entries[3]
    assert isinstance(first, StdoutEntry) and first.lines == ['Starting agent…']
    assert isinstance(malformed, StdoutEntry) and malformed.lines == ['{not json}', '{"no": "type"}', '[1, 2]']


def test_malformed_and_odd_shapes_never_crash() -> None:
    odd = [
        '{"type": "assistant"}', '{"type": "assistant", "message": {"content": "just a string"}}',
        '{"type": "assistant", "message": {"content": [1, null, {"type": "image"}, {"type": "tool_use"}]}}',
        '{"type": "user", "message": {"content": [{"type": "tool_result", "tool_use_id": "nope", "content": 5}]}}',
        '{"type": "user", "message": null}', '{"type": "system"}', '{"type": "result", "usage": [1]}',
        '{"type": "assistant", "message": {"content": [{"type": "tool_use", "id": "t", "input": "raw"}]}}',
        '{"type": "assistant", "message": {"content": [{"type": "redacted_thinking", "data": "x"}]}}',
        '{"type": "rate_limit_event"}', '{"type": "stream_event", "event": {}}', '{"type": 3}',
        '{"type": "assistant", ' + '"x": [' * 5000 + ']' * 5000 + '}', '{"truncated": ',
    ]
    transcript = fed([output('\n'.join(odd) + '\n', 1)])
    assert kinds(transcript) == [
        'turn', 'text', 'notice', 'tool', 'tool', 'system', 'result', 'tool', 'thinking', 'notice', 'stdout_text',
    ]
    image = transcript.entries[2]
    assert isinstance(image, NoticeEntry) and image.message == 'image block'
    orphan = transcript.entries[4]
    assert isinstance(orphan, ToolEntry) and (orphan.result, orphan.status) == ('5', 'done')
    assert isinstance(transcript.entries[9], NoticeEntry) and 'rate_limit_event' in transcript.entries[9].message
    raw_input = transcript.entries[7]
    assert isinstance(raw_input, ToolEntry) and raw_input.input == {'input': 'raw'} and raw_input.summary == '?: raw'
    leftovers = transcript.entries[10]
    assert isinstance(leftovers, StdoutEntry) and leftovers.lines == odd[-3:]
