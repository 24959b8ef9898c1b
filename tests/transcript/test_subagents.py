"""A subagent's lines (stream-json with `parent_tool_use_id`) land under their Task call, each kind with its fields,
its turn and its event; long texts are clipped to the transcript's display limit."""

from __future__ import annotations

from aod_ui.transcript import Transcript
from aod_ui.transcript._claude import mcp_names, result_text

from .samples import output, stream_json

TASK = {'type': 'assistant', 'message': {'content': [
    {'type': 'tool_use', 'id': 'toolu_task', 'name': 'Task', 'input': {'description': 'Dig'}}]}}


def inner(*blocks: dict, kind: str = 'assistant') -> dict:
    return {'type': kind, 'parent_tool_use_id': 'toolu_task', 'message': {'content': list(blocks)}}


def test_a_subagents_lines_land_under_its_task_call() -> None:
    transcript = Transcript(display_limit=12)
    lines = [
        TASK,
        inner({'type': 'text', 'text': 'a long text of the subagent'},
              {'type': 'thinking', 'thinking': 'pondering long'}, {'type': 'redacted_thinking', 'data': 'xyz'},
              {'type': 'image'}, {'type': 'tool_use', 'id': 'toolu_in'}),
        {'type': 'system', 'subtype': 'task_started', 'parent_tool_use_id': 'toolu_task',
         'description': 'Digging through the code'},
        {'type': 'system', 'subtype': 'status', 'parent_tool_use_id': 'toolu_task', 'status': 'compacting'},
        {'type': 'system', 'subtype': 'hook', 'parent_tool_use_id': 'toolu_task', 'message': 'ran'},
        {'type': 'system', 'subtype': 'bare', 'parent_tool_use_id': 'toolu_task'},
        inner({'type': 'tool_result', 'tool_use_id': 'toolu_gone', 'content': 'orphan'}, kind='user'),
        {'type': 'oddity', 'parent_tool_use_id': 'toolu_task'},
    ]
    transcript.feed_many([{'type': 'turn_start', 'id': 1, 'turn': 1}, output(stream_json(lines), 7)])
    task = next(e for e in transcript.entries if e.kind == 'tool' and e.name == 'Task')
    children = [entry for entry in transcript.entries if entry.key in task.children]
    assert all((c.parent, c.turn, c.event_id) == (task.key, 1, 7) for c in children)
    text, thinking, redacted, image, tool, started, status, hook, bare, orphan, oddity = children
    assert text.text == 'a long text … (15 more characters)'
    assert thinking.text == 'pondering lo… (2 more characters)' and redacted.text == '(redacted)'
    assert (image.kind, image.event_type, image.message) == ('notice', 'stream-json', 'image block')
    assert (tool.name, tool.tool_use_id, tool.summary) == ('?', 'toolu_in', '?')
    assert [(s.subtype, s.text) for s in (started, status, hook, bare)] == [
        ('task_started', 'Digging thro… (12 more characters)'), ('status', 'compacting'), ('hook', 'ran'),
        ('bare', '')]
    assert (orphan.kind, orphan.name, orphan.tool_use_id, orphan.summary, orphan.result) == \
        ('tool', '?', 'toolu_gone', '(result of an unknown tool call)', 'orphan')
    assert (oddity.kind, oddity.event_type, oddity.message) == ('notice', 'oddity', 'stream-json line of type oddity')


def test_a_block_without_a_type_is_named_as_unnamed() -> None:
    transcript = Transcript()
    transcript.feed(output(stream_json([{'type': 'assistant', 'message': {'content': [{'text': 'x'}]}}]), 1))
    assert [(e.kind, getattr(e, 'message', None)) for e in transcript.entries] == [('turn', None),
                                                                                  ('notice', 'unnamed block')]


def test_a_system_init_line_counts_tools_and_names_servers() -> None:
    transcript = Transcript()
    transcript.feed(output(stream_json([
        {'type': 'system', 'subtype': 'init', 'model': 'm1', 'tools': 'all', 'mcp_servers': ['plain', {'name': 'gh'}]},
        {'type': 'system', 'subtype': 'init', 'tools': ['a', 'b']},
    ]), 1))
    first, second = (e for e in transcript.entries if e.kind == 'system')
    assert (first.model, first.tools_count, first.mcp_servers) == ('m1', None, ['plain', 'gh'])
    assert (second.model, second.tools_count, second.mcp_servers) == (None, 2, [])


def test_tool_result_content_of_every_shape_reads_as_text() -> None:
    assert result_text(None) == ''
    assert result_text('plain') == 'plain'
    assert result_text([{'type': 'text', 'text': 'one'}, {'type': 'image', 'source': {}}, {'data': 1}, 5]) == \
        'one\n[image]\n[block]\n5'
    assert result_text({'type': 'text', 'text': 'an object'}) == '{"type": "text", "text": "an object"}'
    assert mcp_names(['plain', {'name': 'gh'}, 3]) == ['plain', 'gh', '3']
    assert mcp_names('github') == []


def test_every_long_text_is_clipped_to_the_display_limit() -> None:
    transcript = Transcript(display_limit=6)
    lines = [TASK,
             {'type': 'result', 'parent_tool_use_id': 'toolu_task', 'subtype': 'success', 'result': 'a long result',
              'usage': {'note': 'a long usage note'}},
             {'type': 'user', 'message': {'content': [{'type': 'text', 'text': 'a long prompt'}]}}]
    transcript.feed_many([{'type': 'turn_start', 'id': 1, 'turn': 1}, output(stream_json(lines), 7),
                          output('a long plain line\n', 8), {'type': 'stale', 'id': 9, 'message': 'no news for long'}])
    task = next(e for e in transcript.entries if e.kind == 'tool')
    result = next(e for e in transcript.entries if e.kind == 'result')
    assert (result.parent, result.turn, result.event_id) == (task.key, 1, 7) and result.key in task.children
    assert (result.text, result.usage) == ('a long… (7 more characters)', {'note': 'a long… (11 more characters)'})
    prompt = next(e for e in transcript.entries if e.kind == 'text')
    assert prompt.text == 'a long… (7 more characters)'
    plain = next(e for e in transcript.entries if e.kind == 'stdout_text')
    assert list(plain.lines) == ['a long… (11 more characters)']
    stale = next(e for e in transcript.entries if e.kind == 'stale')
    assert stale.message == 'no new… (10 more characters)'


def test_objects_in_results_keep_their_characters() -> None:
    assert result_text({'text': 'Zoë ✓'}) == '{"text": "Zoë ✓"}'
