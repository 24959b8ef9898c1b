"""The entries of a transcript: small mutable dataclasses, one class per `kind`.

    Entry                     key, turn, parent, event_id (+ the class-level `kind`)
    ├── TurnEntry             'turn'        number, prompt
    ├── StageEntry            'stage'       name, state, duration_ms, message
    ├── TextEntry             'text'        text, role
    ├── ThinkingEntry         'thinking'    text
    ├── ToolEntry             'tool'        tool_use_id, name, input, summary, result, is_error, status, children
    ├── ResultEntry           'result'      subtype, is_error, duration_ms, num_turns, cost_usd, usage, text
    ├── SystemEntry           'system'      subtype, model, tools_count, mcp_servers, text
    ├── LinesEntry                          lines, chars (+ the `text` property)
    │   ├── StdoutEntry       'stdout_text' plain stdout lines
    │   └── StderrEntry       'stderr'      stderr lines, failure
    ├── ExitEntry             'exit'        code
    └── MessageEntry                        message
        ├── ErrorEntry        'error'
        ├── TerminatedEntry   'terminated'
        ├── StaleEntry        'stale'
        └── NoticeEntry       'notice'      event_type (anything the model does not know)

Entries hold display text only: every long value is already clipped (see `clip`), and nothing is HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

EntryKind = Literal[
    'turn', 'stage', 'text', 'thinking', 'tool', 'result', 'system', 'stdout_text', 'stderr', 'exit',
    'error', 'terminated', 'stale', 'notice',
]
ToolStatus = Literal['pending', 'done', 'error', 'interrupted']


@dataclass(kw_only=True)
class Entry:
    """One item of the transcript.

    `key` is unique and increases in the order entries were added (it starts at 1); `turn` is the turn the entry
    belongs to (None before the first turn, e.g. provisioning stages); `parent` is the key of the `Task` tool
    entry a subagent entry is nested under; `event_id` is the `id` of the stream event that produced the entry
    (for output, the chunk that completed its line).
    """

    kind: ClassVar[EntryKind]

    key: int
    turn: int | None = None
    parent: int | None = None
    event_id: int | None = None


@dataclass(kw_only=True)
class TurnEntry(Entry):
    """The header of a turn; `prompt` is filled in by `Transcript.set_turn_prompt`."""

    kind: ClassVar[EntryKind] = 'turn'
    number: int
    prompt: str | None = None


@dataclass(kw_only=True)
class StageEntry(Entry):
    """A provisioning stage; its `started` entry is updated in place when it is `done` or `failed`."""

    kind: ClassVar[EntryKind] = 'stage'
    name: str
    state: str
    duration_ms: int | None = None
    message: str | None = None


@dataclass(kw_only=True)
class TextEntry(Entry):
    """Text written by the agent (`role='assistant'`), or a prompt handed to a subagent (`role='user'`)."""

    kind: ClassVar[EntryKind] = 'text'
    text: str
    role: Literal['assistant', 'user'] = 'assistant'


@dataclass(kw_only=True)
class ThinkingEntry(Entry):
    """The agent's visible reasoning."""

    kind: ClassVar[EntryKind] = 'thinking'
    text: str


@dataclass(kw_only=True)
class ToolEntry(Entry):
    """A tool call; its result is filled in when the matching `tool_result` arrives. A call still `pending` when
    its turn ends (the session was stopped, failed or the agent exited) is `interrupted`: it will never finish.

    `input` is the call's input with long strings clipped; `summary` is a one-liner such as `Bash: ls -la`;
    `children` lists the keys of a subagent's entries when this is a `Task` call.
    """

    kind: ClassVar[EntryKind] = 'tool'
    tool_use_id: str
    name: str
    input: dict[str, Any] = field(default_factory=dict)
    summary: str = ''
    result: str | None = None
    is_error: bool = False
    status: ToolStatus = 'pending'
    children: list[int] = field(default_factory=list)


@dataclass(kw_only=True)
class ResultEntry(Entry):
    """The final `result` line of a Claude run: what it cost and how long it took."""

    kind: ClassVar[EntryKind] = 'result'
    subtype: str = ''
    is_error: bool = False
    duration_ms: int | None = None
    num_turns: int | None = None
    cost_usd: float | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    text: str = ''


@dataclass(kw_only=True)
class SystemEntry(Entry):
    """A `system` line: `init` (model, tools, MCP servers), `task_started` (a subagent's description), and others."""

    kind: ClassVar[EntryKind] = 'system'
    subtype: str = ''
    model: str | None = None
    tools_count: int | None = None
    mcp_servers: list[str] = field(default_factory=list)
    text: str = ''


@dataclass(kw_only=True)
class LinesEntry(Entry):
    """Consecutive plain lines of one stream, merged (see `Transcript` for the merge rule)."""

    lines: list[str] = field(default_factory=list)
    chars: int = 0
    _text: str | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        """The lines joined by newlines (joined once per change, however many pages show it)."""
        if self._text is None:
            self._text = '\n'.join(self.lines)
        return self._text

    def append(self, line: str) -> None:
        """Add one (already clipped) line."""
        self.lines.append(line)
        self.chars += len(line) + 1
        self._text = None

    def extend(self, lines: list[str]) -> None:
        """Add (already clipped) lines."""
        self.lines.extend(lines)
        self.chars += sum(map(len, lines)) + len(lines)
        self._text = None


@dataclass(kw_only=True)
class StdoutEntry(LinesEntry):
    """Plain-text stdout: the output of non-Claude runtimes, and any stdout line that is not stream-json."""

    kind: ClassVar[EntryKind] = 'stdout_text'


@dataclass(kw_only=True)
class StderrEntry(LinesEntry):
    """Lines the agent wrote to stderr. `failure`: they report a failure (`is_failure_line` of the first line);
    most stderr is banners, progress and warnings, so a block of those is a notice, not a failure."""

    kind: ClassVar[EntryKind] = 'stderr'
    failure: bool = False


@dataclass(kw_only=True)
class ExitEntry(Entry):
    """The agent process exited (the end of a turn)."""

    kind: ClassVar[EntryKind] = 'exit'
    code: int | None = None


@dataclass(kw_only=True)
class MessageEntry(Entry):
    """An event that carries only a message."""

    message: str = ''


@dataclass(kw_only=True)
class ErrorEntry(MessageEntry):
    """The session failed (terminal)."""

    kind: ClassVar[EntryKind] = 'error'


@dataclass(kw_only=True)
class TerminatedEntry(MessageEntry):
    """The session was terminated (terminal)."""

    kind: ClassVar[EntryKind] = 'terminated'


@dataclass(kw_only=True)
class StaleEntry(MessageEntry):
    """The stream gave up after a long silence; the session may still be running."""

    kind: ClassVar[EntryKind] = 'stale'


@dataclass(kw_only=True)
class NoticeEntry(MessageEntry):
    """Anything the model does not know: an unknown event type, an unknown stream-json line or block."""

    kind: ClassVar[EntryKind] = 'notice'
    event_type: str = ''


@dataclass(frozen=True)
class Change:
    """What one `feed` did to one entry: `added` it, or `updated` it in place."""

    action: Literal['added', 'updated']
    entry: Entry
