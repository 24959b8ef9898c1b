"""Text helpers: clipping long values for display, and one-line summaries of tool calls."""

from __future__ import annotations

import re
from typing import Any

DISPLAY_LIMIT = 200_000
"""How many characters of one value (a text block, a tool result, a string in a tool's input, a plain line) an
entry keeps for display. The raw log keeps everything."""

SUMMARY_LIMIT = 200
"""How long a tool's one-line summary may be."""

_LIST_LIMIT = 1_000
_WORD = re.compile(r'\S+')
_DEPTH_LIMIT = 20


def clip(text: str, limit: int = DISPLAY_LIMIT) -> str:
    """Return `text`, or its first `limit` characters followed by a marker saying how many were left out."""
    if len(text) <= limit:
        return text
    return f'{text[:limit]}… ({len(text) - limit} more characters)'


def clip_value(value: Any, limit: int = DISPLAY_LIMIT, _depth: int = 0) -> Any:
    """Return a copy of a JSON value whose strings are clipped, lists cut at 1,000 items and nesting at 20 levels."""
    if isinstance(value, str):
        return clip(value, limit)
    if _depth >= _DEPTH_LIMIT and isinstance(value, dict | list):
        return '… (nested too deep)'
    if isinstance(value, dict):
        return {str(k): clip_value(v, limit, _depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        items = [clip_value(v, limit, _depth + 1) for v in value[:_LIST_LIMIT]]
        if len(value) > _LIST_LIMIT:
            items.append(f'… ({len(value) - _LIST_LIMIT} more items)')
        return items
    return value


def one_line(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """Collapse whitespace runs to single spaces and cut to `limit` characters, ending with `…` when cut."""
    # Collect words only until the limit is passed, so a 10 MB command costs little more than a short one.
    words: list[str] = []
    size = -1
    for match in _WORD.finditer(text):
        words.append(match.group())
        size += len(words[-1]) + 1
        if size > limit:
            return ' '.join(words)[: limit - 1] + '…'
    return ' '.join(words)


def summarize_tool(name: str, input: Any) -> str:
    """A one-line description of a tool call, such as `Bash: ls -la`, `Read: /src/app.py` or `TodoWrite: 3 todos`.

    Known Claude tools show their most telling argument; any other tool shows the value of its first input key.
    The result is at most 200 characters long.
    """
    name = str(name or '?')
    detail = _detail(name, input) if isinstance(input, dict) else _as_text(input)
    return one_line(f'{name}: {detail}' if detail else name)


def _detail(name: str, args: dict[str, Any]) -> str:
    if name == 'Bash':
        return _as_text(args.get('command'))
    if name in ('Read', 'Write', 'Edit', 'MultiEdit'):
        return _as_text(args.get('file_path'))
    if name == 'NotebookEdit':
        return _as_text(args.get('notebook_path') or args.get('file_path'))
    if name in ('Grep', 'Glob'):
        pattern, path = _as_text(args.get('pattern')), _as_text(args.get('path'))
        return f'{pattern} in {path}' if path else pattern
    if name == 'WebFetch':
        return _as_text(args.get('url'))
    if name == 'WebSearch':
        return _as_text(args.get('query'))
    if name in ('Task', 'Agent'):
        return _as_text(args.get('description') or args.get('prompt'))
    if name == 'TodoWrite':
        return _todo_counts(args.get('todos'))
    for key, value in args.items():
        return f'{key}={_as_text(value)}'
    return ''


def _todo_counts(todos: Any) -> str:
    if not isinstance(todos, list):
        return '0 todos'
    states = [t.get('status') for t in todos if isinstance(t, dict)]
    parts = [f'{len(todos)} todo' + ('' if len(todos) == 1 else 's')]
    counts = [(states.count('completed'), 'done'), (states.count('in_progress'), 'in progress')]
    details = [f'{n} {label}' for n, label in counts if n]
    if details:
        parts.append(f'({", ".join(details)})')
    return ' '.join(parts)


def _as_text(value: Any) -> str:
    if value is None:
        return ''
    return value if isinstance(value, str) else str(value)
