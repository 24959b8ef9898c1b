"""Sample streams shared by the transcript tests."""

from __future__ import annotations

import json
from dataclasses import asdict
from itertools import pairwise
from typing import Any

from aod_ui.transcript import Transcript

INIT = {
    'type': 'system', 'subtype': 'init', 'session_id': 'c1', 'model': 'claude-sonnet-4',
    'tools': ['Bash', 'Read', 'Edit', 'Task'], 'mcp_servers': [{'name': 'github', 'status': 'connected'}],
}
CLAUDE_RUN: list[dict[str, Any]] = [
    INIT,
    {'type': 'assistant', 'message': {'content': [
        {'type': 'thinking', 'thinking': 'The test fails — let me look. ✓'},
        {'type': 'text', 'text': "I'll run the tests first."},
    ]}},
    {'type': 'assistant', 'message': {'content': [
        {'type': 'tool_use', 'id': 'toolu_1', 'name': 'Bash', 'input': {'command': 'pytest -q', 'timeout': 60}},
    ]}},
    {'type': 'user', 'message': {'content': [
        {'type': 'tool_result', 'tool_use_id': 'toolu_1', 'content': '1 failed, 3 passed', 'is_error': False},
    ]}},
    {'type': 'assistant', 'message': {'content': [
        {'type': 'tool_use', 'id': 'toolu_task', 'name': 'Task',
         'input': {'description': 'Find the bug', 'prompt': 'Look at app.py', 'subagent_type': 'general'}},
    ]}},
    {'type': 'system', 'subtype': 'task_started', 'description': 'Find the bug', 'task_id': 't1'},
    {'type': 'user', 'parent_tool_use_id': 'toolu_task', 'message': {'role': 'user', 'content': [
        {'type': 'text', 'text': 'Look at app.py'},
    ]}},
    {'type': 'assistant', 'parent_tool_use_id': 'toolu_task', 'message': {'content': [
        {'type': 'tool_use', 'id': 'toolu_2', 'name': 'Read', 'input': {'file_path': '/src/app.py'}},
    ]}},
    {'type': 'user', 'parent_tool_use_id': 'toolu_task', 'message': {'content': [
        {'type': 'tool_result', 'tool_use_id': 'toolu_2', 'is_error': True,
         'content': [{'type': 'text', 'text': 'File does not exist.'}]},
    ]}},
    {'type': 'system', 'subtype': 'task_progress', 'task_id': 't1'},
    {'type': 'user', 'message': {'content': [
        {'type': 'tool_result', 'tool_use_id': 'toolu_task',
         'content': [{'type': 'text', 'text': 'The bug is in '}, {'type': 'text', 'text': 'utils.py'}]},
    ]}},
    {'type': 'assistant', 'message': {'content': [
        {'type': 'tool_use', 'id': 'toolu_3', 'name': 'Edit',
         'input': {'file_path': '/src/utils.py', 'old_string': 'a', 'new_string': 'b'}},
    ]}},
    {'type': 'user', 'message': {'content': [
        {'type': 'tool_result', 'tool_use_id': 'toolu_3', 'content': 'ok'},
    ]}},
    {'type': 'assistant', 'message': {'content': [{'type': 'text', 'text': 'Fixed: utils.py swapped a for b.'}]}},
    {'type': 'result', 'subtype': 'success', 'is_error': False, 'duration_ms': 12345, 'num_turns': 7,
     'total_cost_usd': 0.0123, 'usage': {'input_tokens': 1200, 'output_tokens': 340},
     'result': 'Fixed: utils.py swapped a for b.'},
]


def stream_json(objects: list[dict[str, Any]]) -> str:
    """Stream-json text: one compact JSON object per line."""
    return ''.join(json.dumps(obj, ensure_ascii=False) + '\n' for obj in objects)


def output(data: str, event_id: int, *, turn: int = 1, stream: str = 'stdout') -> dict[str, Any]:
    """An `output` event."""
    return {'type': 'output', 'id': event_id, 'stream': stream, 'data': data, 'turn': turn}


def chunked(data: str, cuts: list[int], *, turn: int = 1, first_id: int = 10) -> list[dict[str, Any]]:
    """`output` events holding `data` cut at the given positions."""
    bounds = [0, *cuts, len(data)]
    return [output(data[a:b], first_id + i, turn=turn) for i, (a, b) in enumerate(pairwise(bounds))]


def session(data: str, cuts: list[int] | None = None, *, code: int = 0) -> list[dict[str, Any]]:
    """A one-turn session: start, stages, turn_start, the output cut at `cuts`, exit."""
    body = chunked(data, cuts or [])
    last = body[-1]['id'] if body else 10
    return [
        {'type': 'start', 'provider': 'anthropic', 'session_id': 'sess-1'},
        {'type': 'stage', 'id': 1, 'stage': 'create_sprite', 'state': 'started'},
        {'type': 'stage', 'id': 2, 'stage': 'create_sprite', 'state': 'done', 'duration_ms': 812},
        {'type': 'turn_start', 'id': 10, 'turn': 1},
        *body,
        {'type': 'exit', 'id': last, 'code': code},
    ]


def view(transcript: Transcript) -> list[tuple[str, dict[str, Any]]]:
    """The entries as (kind, fields) without `event_id`, which depends on how the output was cut."""
    shown = []
    for entry in transcript.entries:
        fields = asdict(entry)
        fields.pop('event_id')
        shown.append((entry.kind, fields))
    return shown


def kinds(transcript: Transcript) -> list[str]:
    """The kinds of the entries, in order."""
    return [entry.kind for entry in transcript.entries]
