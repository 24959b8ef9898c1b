"""Claude CLI `stream-json` lines, as the Claude runtimes write them on stdout, and the chunking of a pipe.

`ClaudeWriter` builds the message objects (ids and usage from a seeded `random.Random`); `Chunker` cuts the
serialised lines into output chunks the way a pipe does: several lines in one chunk, a line cut in two, and
the tail of a line held back until the next burst.
"""

from __future__ import annotations

import json
import random
import string
import uuid
from typing import Any

__all__ = ['CLAUDE_TOOLS', 'Chunker', 'ClaudeWriter', 'dump_line']

CLAUDE_TOOLS: tuple[str, ...] = (
    'Task', 'Bash', 'Glob', 'Grep', 'LS', 'Read', 'Edit', 'MultiEdit', 'Write', 'WebFetch', 'TodoWrite',
    'WebSearch', 'BashOutput', 'KillShell',
)
_ID_ALPHABET = string.ascii_letters + string.digits
_PRICES = {'input': 3e-6, 'cache_write': 3.75e-6, 'cache_read': 0.3e-6, 'output': 15e-6}


def dump_line(message: dict[str, Any]) -> str:
    """One stream-json line, newline included, compact like the CLI writes it."""
    return json.dumps(message, separators=(',', ':'), ensure_ascii=False) + '\n'


class ClaudeWriter:
    """Builds the stream-json messages of one Claude turn."""

    def __init__(self, rng: random.Random, *, session_id: str, model: str) -> None:
        self.rng = rng
        self.session_id = session_id
        self.model = model
        self.num_turns = 0
        self.usage = {'input_tokens': 0, 'cache_creation_input_tokens': 0, 'cache_read_input_tokens': 0,
                      'output_tokens': 0}

    def _id(self, prefix: str) -> str:
        return prefix + ''.join(self.rng.choice(_ID_ALPHABET) for _ in range(24))

    def _uuid(self) -> str:
        return str(_seeded_uuid(self.rng))

    def init(self, *, mcp_servers: list[str], cwd: str = '/workspace') -> dict[str, Any]:
        """The `system`/`init` line that opens every turn."""
        return {
            'type': 'system', 'subtype': 'init', 'cwd': cwd, 'session_id': self.session_id,
            'tools': list(CLAUDE_TOOLS) + [f'mcp__{name}__search_code' for name in mcp_servers],
            'mcp_servers': [{'name': name, 'status': 'connected'} for name in mcp_servers],
            'model': self.model, 'permissionMode': 'bypassPermissions', 'apiKeySource': 'ANTHROPIC_API_KEY',
            'claude_code_version': '2.0.14', 'output_style': 'default', 'uuid': self._uuid(),
        }

    def task_started(self, tool_use_id: str, description: str) -> dict[str, Any]:
        """The `system`/`task_started` line that follows a `Task` tool use."""
        return {'type': 'system', 'subtype': 'task_started', 'task_id': self._id('task_'),
                'tool_use_id': tool_use_id, 'description': description, 'session_id': self.session_id,
                'uuid': self._uuid()}

    def assistant(self, blocks: list[dict[str, Any]], *, parent: str | None = None) -> dict[str, Any]:
        """An `assistant` message holding `blocks`; `parent` is the `Task` tool use of a subagent."""
        usage = {'input_tokens': self.rng.randint(3, 12),
                 'cache_creation_input_tokens': self.rng.randint(0, 2500),
                 'cache_read_input_tokens': self.rng.randint(8000, 40000),
                 'output_tokens': self.rng.randint(40, 900)}
        for key, value in usage.items():
            self.usage[key] += value
        if parent is None:
            self.num_turns += 1
        message = {'model': self.model, 'id': self._id('msg_01'), 'type': 'message', 'role': 'assistant',
                   'content': blocks, 'stop_reason': None, 'stop_sequence': None, 'usage': usage}
        return {'type': 'assistant', 'message': message, 'parent_tool_use_id': parent,
                'session_id': self.session_id, 'uuid': self._uuid()}

    def thinking(self, text: str) -> dict[str, Any]:
        return {'type': 'thinking', 'thinking': text, 'signature': self._id('sig')}

    @staticmethod
    def text(text: str) -> dict[str, Any]:
        return {'type': 'text', 'text': text}

    def tool_use(self, name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
        """A `tool_use` block; its `id` is what the matching `tool_result` refers to."""
        return {'type': 'tool_use', 'id': self._id('toolu_01'), 'name': name, 'input': tool_input}

    def tool_result(self, tool_use_id: str, content: str | list[dict[str, Any]], *, is_error: bool = False,
                    parent: str | None = None) -> dict[str, Any]:
        """A `user` message carrying one `tool_result` block."""
        block = {'tool_use_id': tool_use_id, 'type': 'tool_result', 'content': content, 'is_error': is_error}
        return {'type': 'user', 'message': {'role': 'user', 'content': [block]}, 'parent_tool_use_id': parent,
                'session_id': self.session_id, 'uuid': self._uuid()}

    def result(self, text: str, *, duration_ms: int, is_error: bool = False) -> dict[str, Any]:
        """The final `result` line, with cost and usage summed over the turn."""
        cost = (self.usage['input_tokens'] * _PRICES['input']
                + self.usage['cache_creation_input_tokens'] * _PRICES['cache_write']
                + self.usage['cache_read_input_tokens'] * _PRICES['cache_read']
                + self.usage['output_tokens'] * _PRICES['output'])
        return {
            'type': 'result', 'subtype': 'error_during_execution' if is_error else 'success', 'is_error': is_error,
            'duration_ms': duration_ms, 'duration_api_ms': int(duration_ms * 0.8), 'num_turns': self.num_turns,
            'result': text, 'session_id': self.session_id, 'total_cost_usd': round(cost, 6),
            'usage': {**self.usage, 'server_tool_use': {'web_search_requests': 0}, 'service_tier': 'standard'},
            'permission_denials': [], 'uuid': self._uuid(),
        }


def _seeded_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class Chunker:
    """Cuts a stream of text into pipe-sized chunks, carrying a partial line over to the next burst."""

    def __init__(self, rng: random.Random, *, smallest: int = 24, largest: int = 900) -> None:
        self.rng = rng
        self.smallest = smallest
        self.largest = largest
        self.held = ''

    def burst(self, text: str) -> list[str]:
        """Chunks to write now for `text`; part of its last line may be held back for the next burst."""
        text = self.held + text
        self.held = ''
        last_line_start = text.rfind('\n', 0, len(text) - 1) + 1
        # A pipe often flushes in the middle of a line; hold back a piece of the last line now and then.
        if len(text) - last_line_start > 8 and self.rng.random() < 0.4:
            cut = self.rng.randint(last_line_start + 1, len(text) - 2)
            text, self.held = text[:cut], text[cut:]
        return self._split(text)

    def flush(self) -> list[str]:
        """Whatever is still held back."""
        text, self.held = self.held, ''
        return self._split(text)

    def _split(self, text: str) -> list[str]:
        chunks = []
        while text:
            size = self.rng.randint(self.smallest, self.largest)
            chunks.append(text[:size])
            text = text[size:]
        return chunks
