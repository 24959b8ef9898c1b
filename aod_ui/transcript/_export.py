"""The downloads: the events as JSON Lines, and a readable plain-text transcript, both produced in chunks.

The text transcript is made in one pass over the raw events, so it keeps every character (nothing is clipped)
and never holds more than one chunk of output:

    === Turn 1 ===
    Prompt: fix the failing test
    [stage] install_runtime done (812 ms)
    [system] init · model claude-sonnet-4 · 12 tools
    [thinking] The test imports a missing module…
    I'll look at the test first.
    $ Bash: pytest -q
        1 failed, 3 passed
    [result] success · 12.3 s · 3 turns · $0.0123
    [stderr] warning: …
    [exit] code 0

Subagent lines are indented two spaces per level; a tool result that does not directly follow its call starts
with `(result of <summary>)`; a failed tool's result starts with `[tool error]`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ._claude import (
    QUIET_SYSTEM,
    QUIET_TYPES,
    as_float,
    as_int,
    as_str,
    content_blocks,
    mcp_names,
    parse_line,
    result_text,
)
from ._lines import LineDemux, RawLine
from ._text import summarize_tool

CHUNK_SIZE = 64 * 1024
"""Roughly how many characters each yielded chunk holds."""

_LABELS = {'error': 'error', 'terminated': 'terminated', 'stale': 'stale'}


def iter_jsonl(events: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Yield the events as JSON Lines (one event per line), in chunks of about 64 KB."""
    buffer: list[str] = []
    size = 0
    for event in events:
        line = json.dumps(event, ensure_ascii=False) + '\n'
        buffer.append(line)
        size += len(line)
        if size >= CHUNK_SIZE:
            yield ''.join(buffer)
            buffer, size = [], 0
    if buffer:
        yield ''.join(buffer)


def iter_text(events: Iterable[dict[str, Any]], prompts: Mapping[int, str] | None = None) -> Iterator[str]:
    """Yield a readable plain-text transcript of the events, in chunks of about 64 KB."""
    writer = _TextWriter(prompts or {})
    buffer: list[str] = []
    size = 0
    for event in events:
        for line in writer.event(event):
            buffer.append(line)
            size += len(line) + 1
        if size >= CHUNK_SIZE:
            yield '\n'.join(buffer) + '\n'
            buffer, size = [], 0
    buffer.extend(writer.finish())
    if buffer:
        yield '\n'.join(buffer) + '\n'


class _TextWriter:
    """Turns events into text lines, remembering tool calls so results can be placed under them."""

    def __init__(self, prompts: Mapping[int, str]) -> None:
        self._prompts = prompts
        self._demux = LineDemux()
        self._turn: int | None = None
        self._started = False
        self._depth: dict[str, int] = {}
        self._summary: dict[str, str] = {}
        self._last_tool: str | None = None

    def event(self, event: dict[str, Any]) -> list[str]:
        if not isinstance(event, dict):
            return [f'[notice] {event!r}']
        out: list[str] = []
        for line in self._demux.push(event):
            self._line(line, out)
        kind = as_str(event.get('type'))
        if kind == 'output':
            pass
        elif kind == 'turn_start':
            self._header(1 if self._demux.turn is None else self._demux.turn, out)
        elif kind == 'start':
            if not self._started:
                out.append(f'[start] {as_str(event.get("provider") or event.get("runtime")) or "session"} '
                           f'{as_str(event.get("session_id"))}'.rstrip())
            self._started = True
        elif kind == 'stage':
            out.append(_stage_line(event))
        elif kind == 'exit':
            out.append(f'[exit] code {as_str(event.get("code"))}')
        elif kind in _LABELS:
            out.append(f'[{_LABELS[kind]}] {as_str(event.get("message"))}')
        else:
            message = as_str(event.get('message'))
            out.append(f'[notice] {kind or "event"}' + (f': {message}' if message else ''))
        return out

    def finish(self) -> list[str]:
        out: list[str] = []
        for line in self._demux.flush():
            self._line(line, out)
        return out

    def _header(self, turn: int, out: list[str]) -> None:
        if turn == self._turn:
            return
        self._turn = turn
        out.extend(['', f'=== Turn {turn} ==='])
        prompt = self._prompts.get(turn)
        if prompt is not None:
            first, *rest = prompt.split('\n')
            out.append(f'Prompt: {first}')
            out.extend(f'        {line}' for line in rest)

    def _line(self, line: RawLine, out: list[str]) -> None:
        self._header(line.turn, out)
        text = line.text.removesuffix('\r')
        if line.stream == 'stderr':
            out.append(f'[stderr] {text}')
            return
        obj = parse_line(text)
        if obj is None:
            out.append(text)
            self._last_tool = None
        else:
            self._json(obj, out)

    def _json(self, obj: dict[str, Any], out: list[str]) -> None:
        kind = obj['type']
        parent = as_str(obj.get('parent_tool_use_id'))
        depth = self._depth.get(parent, -1) + 1 if parent else 0
        pad = '  ' * depth
        lines: list[str] = []
        if kind == 'assistant':
            for block in content_blocks(obj):
                self._assistant_block(block, depth, lines)
        elif kind == 'user':
            for block in content_blocks(obj):
                self._user_block(block, lines)
        elif kind == 'system':
            subtype = as_str(obj.get('subtype'))
            if subtype == 'init':
                tools = obj.get('tools')
                mcp = mcp_names(obj.get('mcp_servers'))
                lines.append(f'[system] init · model {as_str(obj.get("model")) or "?"}'
                             f' · {len(tools) if isinstance(tools, list) else "?"} tools'
                             + (f' · MCP: {", ".join(mcp)}' if mcp else ''))
            elif subtype not in QUIET_SYSTEM:
                text = as_str(obj.get('description') or obj.get('message') or obj.get('status'))
                lines.append(f'[system] {subtype}' + (f': {text}' if text else ''))
        elif kind == 'result':
            lines.append(result_line(obj))
            if obj.get('is_error') and obj.get('result'):
                lines.extend(as_str(obj.get('result')).split('\n'))
        elif kind not in QUIET_TYPES:
            lines.append(f'[notice] stream-json line of type {kind}')
        out.extend(pad + line if line else line for line in lines)

    def _assistant_block(self, block: dict[str, Any], depth: int, lines: list[str]) -> None:
        btype = block.get('type')
        if btype == 'text' and as_str(block.get('text')).strip():
            lines.extend(as_str(block.get('text')).split('\n'))
            self._last_tool = None
        elif btype == 'thinking' and as_str(block.get('thinking')).strip():
            lines.extend(f'[thinking] {line}' for line in as_str(block.get('thinking')).split('\n'))
            self._last_tool = None
        elif btype == 'tool_use':
            tool_id = as_str(block.get('id'))
            summary = summarize_tool(as_str(block.get('name')) or '?', block.get('input'))
            self._depth[tool_id] = depth
            self._summary[tool_id] = summary
            self._last_tool = tool_id
            lines.append(f'$ {summary}')

    def _user_block(self, block: dict[str, Any], lines: list[str]) -> None:
        btype = block.get('type')
        if btype == 'tool_result':
            tool_id = as_str(block.get('tool_use_id'))
            if tool_id != self._last_tool:
                lines.append(f'  (result of {self._summary.get(tool_id, "an unknown tool call")})')
            if block.get('is_error'):
                lines.append('  [tool error]')
            lines.extend(f'    {line}' for line in result_text(block.get('content')).split('\n'))
            self._last_tool = None
        elif btype == 'text' and as_str(block.get('text')).strip():
            lines.extend(f'[prompt] {line}' for line in as_str(block.get('text')).split('\n'))
            self._last_tool = None


def result_line(obj: dict[str, Any]) -> str:
    """`[result] success · 12.3 s · 3 turns · $0.0123` for a stream-json `result` object."""
    parts = [as_str(obj.get('subtype')) or ('error' if obj.get('is_error') else 'done')]
    duration = as_int(obj.get('duration_ms'))
    if duration is not None:
        parts.append(f'{duration / 1000:.1f} s')
    turns = as_int(obj.get('num_turns'))
    if turns is not None:
        parts.append(f'{turns} turn' + ('' if turns == 1 else 's'))
    cost = as_float(obj.get('total_cost_usd'))
    if cost is not None:
        parts.append(f'${cost:.4f}')
    return '[result] ' + ' · '.join(parts)


def _stage_line(event: dict[str, Any]) -> str:
    line = f'[stage] {as_str(event.get("stage")) or "?"} {as_str(event.get("state"))}'.rstrip()
    duration = as_int(event.get('duration_ms'))
    if duration is not None:
        line += f' ({duration} ms)'
    message = as_str(event.get('message'))
    return line + (f': {message}' if message else '')
