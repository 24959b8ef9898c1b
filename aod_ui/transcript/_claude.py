"""Claude CLI `stream-json`: recognising its lines, and turning them into transcript entries.

Each stdout line of a Claude runtime is one JSON object with a string `type`:
`system` (`init`, `task_started`, ...), `assistant` (content blocks `text`, `thinking`, `tool_use`),
`user` (`tool_result` blocks, or a subagent's prompt) and the final `result`. Lines written inside a subagent
carry `parent_tool_use_id`, the id of the `Task` call that started it.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from ._changes import ChangeSet
from ._entries import (
    Entry,
    NoticeEntry,
    ResultEntry,
    SystemEntry,
    TextEntry,
    ThinkingEntry,
    ToolEntry,
)
from ._store import EntryStore
from ._text import clip, clip_value, summarize_tool

E = TypeVar('E', bound=Entry)

QUIET_TYPES = frozenset({'stream_event'})
"""Line types that are shown nowhere but in the raw views (partial-message deltas)."""
QUIET_SYSTEM = frozenset({'task_progress'})
"""`system` subtypes that are noise next to the entries they report on."""


def parse_line(line: str) -> dict[str, Any] | None:
    """The stream-json object on this line, or None when the line is not one (then it is plain text)."""
    text = line.strip()
    if not (text.startswith('{') and text.endswith('}')):
        return None
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return None
    if isinstance(obj, dict) and isinstance(obj.get('type'), str):
        return obj
    return None


def content_blocks(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The content blocks of an `assistant` or `user` line (a plain string content counts as one text block)."""
    message = obj.get('message')
    content = message.get('content') if isinstance(message, dict) else None
    if isinstance(content, str):
        return [{'type': 'text', 'text': content}]
    if isinstance(content, list):
        return [block for block in content if isinstance(block, dict)]
    return []


def result_text(content: Any) -> str:
    """The text of a `tool_result`'s content: a string, or a list of `text` blocks (other blocks are named)."""
    if content is None:
        return ''
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict) and block.get('type') == 'text':
                parts.append(as_str(block.get('text')))
            elif isinstance(block, dict):
                parts.append(f'[{as_str(block.get("type")) or "block"}]')
            else:
                parts.append(as_str(block))
        return '\n'.join(parts)
    return as_str(content)


def mcp_names(servers: Any) -> list[str]:
    """The names of the MCP servers of a `system init` line."""
    if not isinstance(servers, list):
        return []
    return [as_str(s.get('name')) if isinstance(s, dict) else as_str(s) for s in servers]


def as_str(value: Any) -> str:
    """A value as text: strings unchanged, None as empty, anything else via `str` (JSON for containers)."""
    if value is None:
        return ''
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def as_int(value: Any) -> int | None:
    """An integer field, or None when missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def as_float(value: Any) -> float | None:
    """A number field, or None when missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class ClaudeReader:
    """Adds the entries of stream-json lines to a store; pairs tool results with their calls."""

    def __init__(self, store: EntryStore, display_limit: int, changes: ChangeSet) -> None:
        self._store = store
        self._changes = changes
        self._limit = display_limit
        self.tools: dict[str, ToolEntry] = {}
        self.model: str | None = None

    def apply(self, obj: dict[str, Any], turn: int | None, event_id: int | None) -> None:
        """Add or update the entries for one stream-json object."""
        kind = obj['type']
        parent = self.tools.get(as_str(obj.get('parent_tool_use_id')) or '')
        where = {'turn': turn, 'event_id': event_id, 'parent': parent.key if parent else None}
        if kind == 'assistant':
            for block in content_blocks(obj):
                self._assistant_block(block, where, parent)
        elif kind == 'user':
            for block in content_blocks(obj):
                self._user_block(block, where, parent)
        elif kind == 'system':
            self._system(obj, where, parent)
        elif kind == 'result':
            self._add(ResultEntry(
                key=self._store.next_key, **where, subtype=as_str(obj.get('subtype')),
                is_error=bool(obj.get('is_error')), duration_ms=as_int(obj.get('duration_ms')),
                num_turns=as_int(obj.get('num_turns')), cost_usd=as_float(obj.get('total_cost_usd')),
                usage=clip_value(obj['usage'], self._limit) if isinstance(obj.get('usage'), dict) else {},
                text=clip(as_str(obj.get('result')), self._limit),
            ), parent)
            self._changes.text(as_str(obj.get('result')))
        elif kind not in QUIET_TYPES:
            self._add(NoticeEntry(key=self._store.next_key, **where, event_type=kind,
                                  message=f'stream-json line of type {kind}'), parent)

    def _assistant_block(self, block: dict[str, Any], where: dict[str, Any], parent: ToolEntry | None) -> None:
        btype = block.get('type')
        if btype == 'text':
            text = as_str(block.get('text'))
            if text.strip():
                self._add(TextEntry(key=self._store.next_key, **where, text=clip(text, self._limit)), parent)
                self._changes.text(text)
        elif btype == 'thinking':
            text = as_str(block.get('thinking'))
            if text.strip():
                self._add(ThinkingEntry(key=self._store.next_key, **where, text=clip(text, self._limit)), parent)
        elif btype == 'redacted_thinking':
            self._add(ThinkingEntry(key=self._store.next_key, **where, text='(redacted)'), parent)
        elif btype == 'tool_use':
            name, args = as_str(block.get('name')) or '?', block.get('input')
            tool = ToolEntry(
                key=self._store.next_key, **where, tool_use_id=as_str(block.get('id')), name=name,
                input=clip_value(args, self._limit) if isinstance(args, dict) else {'input': clip_value(args)},
                summary=summarize_tool(name, args),
            )
            self._add(tool, parent)
            if tool.tool_use_id:
                self.tools[tool.tool_use_id] = tool
            self._changes.tool_call(name, tool.input, tool.tool_use_id, tool.key)
        else:
            self._notice(f'{as_str(btype) or "unnamed"} block', where, parent)

    def _user_block(self, block: dict[str, Any], where: dict[str, Any], parent: ToolEntry | None) -> None:
        btype = block.get('type')
        if btype == 'tool_result':
            tool_use_id = as_str(block.get('tool_use_id'))
            tool = self.tools.get(tool_use_id)
            if tool is None:
                tool = self._add(ToolEntry(key=self._store.next_key, **where, tool_use_id=tool_use_id, name='?',
                                           summary='(result of an unknown tool call)'), parent)
            else:
                self._store.touch(tool)
            tool.is_error = bool(block.get('is_error'))
            tool.status = 'error' if tool.is_error else 'done'
            tool.result = clip(result_text(block.get('content')), self._limit)
            self._changes.tool_result(tool_use_id, tool.is_error, tool.result)
        elif btype == 'text':
            text = as_str(block.get('text'))
            if text.strip():
                self._add(TextEntry(key=self._store.next_key, **where, role='user', text=clip(text, self._limit)),
                          parent)
        # Other user blocks (images handed back to the model, ...) carry nothing worth a line.

    def _system(self, obj: dict[str, Any], where: dict[str, Any], parent: ToolEntry | None) -> None:
        subtype = as_str(obj.get('subtype'))
        if subtype in QUIET_SYSTEM:
            return
        entry = SystemEntry(key=self._store.next_key, **where, subtype=subtype)
        if subtype == 'init':
            entry.model = as_str(obj.get('model')) or None
            tools = obj.get('tools')
            entry.tools_count = len(tools) if isinstance(tools, list) else None
            entry.mcp_servers = mcp_names(obj.get('mcp_servers'))
            self.model = entry.model or self.model
        else:
            text = obj.get('description') or obj.get('message') or obj.get('status') or ''
            entry.text = clip(as_str(text), self._limit)
        self._add(entry, parent)

    def _notice(self, message: str, where: dict[str, Any], parent: ToolEntry | None) -> None:
        self._add(NoticeEntry(key=self._store.next_key, **where, event_type='stream-json', message=message), parent)

    def _add(self, entry: E, parent: ToolEntry | None) -> E:
        self._store.add(entry)
        if parent is not None:
            parent.children.append(entry.key)
        return entry
