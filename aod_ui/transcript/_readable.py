"""What a person reads of one output line, as plain text for the search index: the text, thinking, tool names and
their arguments (file paths, commands, patterns), tool results and the final result of a Claude stream-json line,
without its JSON punctuation; any other line as it is. Reads stream-json with the transcript's own parser."""

from __future__ import annotations

from typing import Any

from ._claude import QUIET_SYSTEM, QUIET_TYPES, as_str, content_blocks, parse_line, result_text
from ._entries import (
    Entry,
    LinesEntry,
    MessageEntry,
    ResultEntry,
    StageEntry,
    SystemEntry,
    TextEntry,
    ThinkingEntry,
    ToolEntry,
    TurnEntry,
)
from ._text import summarize_tool

__all__ = ['entry_text', 'readable_line']

ARGUMENT_LIMIT = 2000
"""Characters of one tool argument kept (a file written whole is found by its path and first lines)."""


def readable_line(text: str, stream: str = 'stdout') -> tuple[str, str]:
    """The kind (`text`, `thinking`, `tool`, `result`, `system`, `stdout`, `stderr`) and readable text of one
    output line; the text is empty when the line shows nothing (a partial-message delta, a blank line)."""
    if stream == 'stderr':
        return 'stderr', text.strip()
    obj = parse_line(text) if text[:1] in '{ \t' else None
    if obj is None:
        return 'stdout', text.strip()
    kind = obj['type']
    if kind in QUIET_TYPES:
        return 'stdout', ''
    if kind in {'assistant', 'user'}:
        return _blocks(content_blocks(obj))
    if kind == 'result':
        return 'result', as_str(obj.get('result'))
    if kind == 'system' and as_str(obj.get('subtype')) not in QUIET_SYSTEM:
        parts = [as_str(obj.get(key)) for key in ('subtype', 'model', 'description', 'message', 'status')]
        return 'system', ' '.join(p for p in parts if p)
    return 'stdout', ''


def _blocks(blocks: list[dict[str, Any]]) -> tuple[str, str]:
    kinds: list[str] = []
    parts: list[str] = []
    for block in blocks:
        btype = block.get('type')
        if btype == 'text':
            kinds.append('text')
            parts.append(as_str(block.get('text')))
        elif btype == 'thinking':
            kinds.append('thinking')
            parts.append(as_str(block.get('thinking')))
        elif btype == 'tool_use':
            kinds.append('tool')
            name, args = as_str(block.get('name')) or '?', block.get('input')
            parts.append(summarize_tool(name, args))
            if isinstance(args, dict):
                parts.extend(_arguments(args))
        elif btype == 'tool_result':
            kinds.append('tool')
            parts.append(result_text(block.get('content')))
    return (kinds[0] if kinds else 'text'), '\n'.join(p for p in parts if p.strip())


def _arguments(args: dict[str, Any]) -> list[str]:
    """The string values of a tool's input (paths, commands, patterns, contents), nested ones included."""
    found: list[str] = []
    stack: list[Any] = list(args.values())
    while stack and len(found) < 50:
        value = stack.pop(0)
        if isinstance(value, str):
            found.append(value[:ARGUMENT_LIMIT])
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def entry_text(entry: Entry) -> str:
    """What a person reads of a transcript entry (what find-in-session looks through)."""
    if isinstance(entry, TurnEntry):
        return f'Turn {entry.number}\n{entry.prompt or ""}'
    if isinstance(entry, TextEntry | ThinkingEntry | ResultEntry):
        return entry.text
    if isinstance(entry, ToolEntry):
        return '\n'.join([entry.summary, *_arguments(entry.input), entry.result or ''])
    if isinstance(entry, LinesEntry):
        return entry.text
    if isinstance(entry, MessageEntry):
        return entry.message
    if isinstance(entry, SystemEntry):
        return ' '.join(p for p in (entry.subtype, entry.model or '', entry.text) if p)
    if isinstance(entry, StageEntry):
        return f'{entry.name} {entry.message or ""}' if entry.state == 'failed' else ''
    return ''
