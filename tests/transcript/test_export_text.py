"""The text and JSON Lines downloads at their edges: every kind of line a person reads in the text download, word
for word, and chunks cut where the size says."""

from __future__ import annotations

import json

from aod_ui.transcript._export import CHUNK_SIZE, iter_jsonl, iter_text

from .samples import output, stream_json


def text_of(events: list, prompts: dict[int, str] | None = None) -> str:
    return ''.join(iter_text(events, prompts))


def test_session_events_of_every_shape_read_as_sentences() -> None:
    events = [
        {'type': 'start', 'runtime': 'claude-code', 'session_id': 's1'},
        {'type': 'start', 'provider': 'anthropic', 'session_id': 's1'},  # a reconnect's start: said once
        {'type': 'stage', 'id': 1, 'stage': 'install_runtime'},
        {'type': 'stage', 'id': 2, 'state': 'started'},
        {'type': 'turn_start', 'id': 3},
        {'type': 'warning', 'id': 4, 'message': 'slow disk'},
        {'type': 'error', 'id': 5, 'message': 'sandbox lost'},
        {'id': 6},
        'not an event',
        {'type': 'exit', 'id': 7, 'code': 1},
    ]
    assert text_of(events) == '''\
[start] claude-code s1
[stage] install_runtime
[stage] ? started

=== Turn 1 ===
[notice] warning: slow disk
[error] sandbox lost
[notice] event
[notice] 'not an event'
[exit] code 1
'''
    assert text_of([{'type': 'start'}]) == '[start] session\n'


def test_stream_json_lines_of_every_shape_read_as_sentences() -> None:
    lines = [
        {'type': 'system', 'subtype': 'init'},
        {'type': 'system', 'subtype': 'init', 'model': 'm1', 'tools': ['Bash'],
         'mcp_servers': [{'name': 'github'}, {'name': 'jira'}]},
        {'type': 'system', 'subtype': 'hook_response', 'message': 'hook ran'},
        {'type': 'system', 'subtype': 'status', 'status': 'compacting'},
        {'type': 'system', 'subtype': 'compact_boundary'},
        {'type': 'system', 'subtype': 'task_progress', 'message': 'noise'},
        {'type': 'stream_event', 'event': {'delta': 'x'}},
        {'type': 'rate_limit_event'},
        {'type': 'assistant', 'message': {'content': [
            {'type': 'text', 'text': '   '}, {'type': 'thinking', 'thinking': ''},
            {'type': 'text', 'text': 'one\n\ntwo'}, {'type': 'thinking', 'thinking': 'a\nb'}]}},
        {'type': 'assistant', 'message': {'content': [{'type': 'tool_use', 'id': 'toolu_t', 'name': 'Task',
                                                         'input': {'description': 'Dig'}}]}},
        {'type': 'assistant', 'parent_tool_use_id': 'toolu_t', 'message': {'content': [
            {'type': 'text', 'text': 'inner\n\nmore'}, {'type': 'tool_use'}]}},
        {'type': 'user', 'parent_tool_use_id': 'toolu_elsewhere', 'message': {'content': [
            {'type': 'text', 'text': 'from an unknown parent'}]}},
        {'type': 'assistant', 'message': {'content': [{'type': 'text', 'text': 'back at the top'}]}},
        {'type': 'result', 'is_error': True, 'duration_ms': 60000, 'num_turns': 1, 'result': 'Failed:\nno tests'},
        {'type': 'result', 'num_turns': 2},
        {'type': 'result', 'subtype': 'success', 'is_error': False, 'result': 'not repeated'},
    ]
    assert text_of([output(stream_json(lines), 1)]) == '''\

=== Turn 1 ===
[system] init · model ? · ? tools
[system] init · model m1 · 1 tools · MCP: github, jira
[system] hook_response: hook ran
[system] status: compacting
[system] compact_boundary
[notice] stream-json line of type rate_limit_event
one

two
[thinking] a
[thinking] b
$ Task: Dig
  inner

  more
  $ ?
[prompt] from an unknown parent
back at the top
[result] error · 60.0 s · 1 turn
Failed:
no tests
[result] done · 2 turns
[result] success
'''


def test_each_tool_result_is_placed_under_its_call() -> None:
    """A result right after its call sits under it; any other says whose result it is, or that nobody knows."""
    def result(tool_id: str | None, text: str) -> dict:
        block = {'type': 'tool_result', 'content': text}
        if tool_id is not None:
            block['tool_use_id'] = tool_id
        return {'type': 'user', 'message': {'content': [block]}}

    def assistant(*blocks: dict) -> dict:
        return {'type': 'assistant', 'message': {'content': list(blocks)}}
    lines = [
        result(None, 'r0'),
        assistant({'type': 'tool_use', 'id': 'toolu_1', 'name': 'Bash', 'input': {'command': 'ls'}}),
        assistant({'type': 'text', 'text': 'meanwhile'}),
        result(None, 'r1'),
        assistant({'type': 'thinking', 'thinking': 'hmm'}),
        result(None, 'r2'),
        {'type': 'user', 'message': {'content': [{'type': 'text', 'text': 'a prompt'}]}},
        result(None, 'r3'),
        result('toolu_1', 'r4'),
        result(None, 'r5'),
    ]
    data = stream_json(lines[:7]) + 'plain line\r\n' + stream_json(lines[7:])
    assert text_of([output(data, 1)]) == '''\

=== Turn 1 ===
  (result of an unknown tool call)
    r0
$ Bash: ls
meanwhile
  (result of an unknown tool call)
    r1
[thinking] hmm
  (result of an unknown tool call)
    r2
[prompt] a prompt
plain line
  (result of an unknown tool call)
    r3
  (result of Bash: ls)
    r4
  (result of an unknown tool call)
    r5
'''


def test_a_carriage_return_is_dropped_only_at_the_end_of_a_line() -> None:
    assert text_of([output('\rback\r\n', 1)]) == '\n=== Turn 1 ===\n\rback\n'


def test_jsonl_keeps_characters_as_they_are() -> None:
    assert ''.join(iter_jsonl([{'text': 'Zoë ✓'}])) == '{"text": "Zoë ✓"}\n'


def test_a_chunk_ends_once_it_reaches_the_chunk_size() -> None:
    def event_of_line_length(length: int) -> dict:
        base = len(json.dumps({'x': ''})) + 1
        return {'x': 'a' * (length - base)}
    exact, short = event_of_line_length(CHUNK_SIZE), event_of_line_length(CHUNK_SIZE - 1)
    assert [len(chunk) for chunk in iter_jsonl([exact, exact])] == [CHUNK_SIZE, CHUNK_SIZE]
    assert [len(chunk) for chunk in iter_jsonl([short, {'x': 1}])] == [CHUNK_SIZE - 1 + 9]
    assert len(list(iter_jsonl([short, exact, {}]))) == 2


def test_a_text_chunk_ends_once_its_lines_reach_the_chunk_size() -> None:
    # each plain line counts its characters and its line break; a turn header comes first ('' and the title)
    header = len('\n=== Turn 1 ===\n')
    exact = 'a' * (CHUNK_SIZE - header - 1)
    chunks = list(iter_text([output(exact + '\n', 1), output('next\n', 2)]))
    assert [len(chunk) for chunk in chunks] == [CHUNK_SIZE, len('next\n')]
    chunks = list(iter_text([output(exact[:-1] + '\n', 1), output('next\n', 2)]))
    assert [len(chunk) for chunk in chunks] == [CHUNK_SIZE - 1 + len('next\n')]


def test_later_chunks_are_cut_by_the_same_measure() -> None:
    def event_of_line_length(length: int) -> dict:
        return {'x': 'a' * (length - len(json.dumps({'x': ''})) - 1)}
    exact, short, tiny = (event_of_line_length(CHUNK_SIZE), event_of_line_length(CHUNK_SIZE - 1),
                          event_of_line_length(10))
    assert [len(chunk) for chunk in iter_jsonl([exact, short, tiny])] == [CHUNK_SIZE, CHUNK_SIZE - 1 + 10]
    header = len('\n=== Turn 1 ===\n')
    first = 'a' * (CHUNK_SIZE - header - 1)
    second = 'b' * (CHUNK_SIZE - 2)  # one short of a chunk with its line break
    chunks = list(iter_text([output(first + '\n', 1), output(second + '\n', 2), output('c\n', 3)]))
    assert [len(chunk) for chunk in chunks] == [CHUNK_SIZE, CHUNK_SIZE - 1 + 2]


def test_an_unfinished_last_line_is_written_at_the_end() -> None:
    assert text_of([output('done\nno line break', 1)]) == '\n=== Turn 1 ===\ndone\nno line break\n'


def test_multi_line_prompts_and_errors_keep_their_marks_and_indents() -> None:
    lines = [
        {'type': 'assistant', 'message': {'content': [{'type': 'tool_use', 'id': 'toolu_t', 'name': 'Task',
                                                         'input': {'description': 'Dig'}}]}},
        {'type': 'result', 'parent_tool_use_id': 'toolu_t', 'is_error': True, 'result': 'Failed:\nno tests'},
        {'type': 'user', 'message': {'content': [{'type': 'text', 'text': '  '},
                                                 {'type': 'text', 'text': 'first\nsecond'}]}},
        {'type': 'user', 'message': {'content': [{'type': 'tool_result', 'content': 'orphan'}]}},
    ]
    assert text_of([output(stream_json(lines), 1)]) == '''\

=== Turn 1 ===
$ Task: Dig
  [result] error
  Failed:
  no tests
[prompt] first
[prompt] second
  (result of an unknown tool call)
    orphan
'''
