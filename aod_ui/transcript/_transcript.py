"""The transcript of one session: stream events in, structured entries and their changes out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ._changes import ChangeSet
from ._claude import ClaudeReader, as_int, as_str, parse_line
from ._entries import (
    Change,
    Entry,
    ErrorEntry,
    ExitEntry,
    LinesEntry,
    MessageEntry,
    NoticeEntry,
    StageEntry,
    StaleEntry,
    StderrEntry,
    StdoutEntry,
    TerminatedEntry,
    ToolEntry,
    TurnEntry,
)
from ._lines import RawLine, turn_of
from ._raw import RawLog
from ._store import EntryStore, weight
from ._text import DISPLAY_LIMIT, clip
from ._tone import is_failure_line

MERGE_LINES = 200
"""At most this many plain lines are merged into one `stdout_text` or `stderr` entry."""
MERGE_CHARS = 64 * 1024
"""At most this many characters (newlines included) are merged into one `stdout_text` or `stderr` entry."""

_MAYBE_JSON = frozenset('{') | {chr(c) for c in range(0x3001) if chr(c).isspace()}
"""First characters of a line that may hold a stream-json object (`{`, or whitespace before it); other lines
are plain text without trying to parse them."""

_ENDS_TURN = frozenset({'exit', 'error', 'terminated'})
"""Events after which nothing of the turn can come: unfinished lines are cut there, open tool calls interrupted."""
CUT_OFF = 'cut-off'
"""The `event_type` of the notice that stands for a stream-json line the end of a turn cut in the middle."""

_MESSAGE_ENTRIES: dict[str, type[MessageEntry]] = {
    'error': ErrorEntry, 'terminated': TerminatedEntry, 'stale': StaleEntry,
}


class Transcript:
    """The structured, incrementally updated transcript of one session.

    `feed(event)` applies one stream event (the SSE JSON payload as a dict) and returns the entries it added or
    updated, one `Change` per entry. Nothing here does I/O or renders anything; every value is plain text.

    Stdout is cut into lines. A line that holds a stream-json object (Claude runtimes) becomes structured entries;
    any other line is plain text. Plain lines are merged: a plain stdout (or stderr) line is appended to the last
    entry when that entry is of the same stream, turn and has fewer than `merge_lines` lines and room for the line
    within `merge_chars`; otherwise it starts a new entry (a blank line never starts one). So 100,000 plain lines
    make about 500 entries. A line is only seen once complete: at its newline, at the next turn, at a terminal
    event (`exit`, `error`, `terminated`) or at `flush()`.

    Long values (text, tool input strings, tool results, a single line) are clipped to `display_limit`
    characters with a `… (N more characters)` marker; `raw` keeps every event unclipped for the raw view and the
    downloads.

    When a subagent entry is added under a `Task` call, its key is appended to that tool's `children` and the
    entry's `parent` is set, but the tool itself is not reported as updated (its `added` child says enough).

    With a `hold`, the transcript keeps about that many of the latest events, output lines and entries (a merged
    output entry counts for its lines) and lets the older ones go, in steps of a tenth of the hold, so a session
    that writes for days takes bounded memory. Keys and line positions do not change when older ones go;
    `raw.complete` turns false once an event was let go. The provisioning stages are kept whatever is let go
    (`stages`): they are few, and they tell how the session started.

    When a turn ends (`exit`, `error`, `terminated`), tool calls still open are marked `interrupted`, and a
    stream-json line cut in the middle (the agent was stopped while writing it) becomes a notice saying so instead
    of a fragment of JSON; the raw log keeps the fragment as received.
    """

    def __init__(self, *, display_limit: int = DISPLAY_LIMIT, merge_lines: int = MERGE_LINES,
                 merge_chars: int = MERGE_CHARS, hold: int | None = None) -> None:
        self.raw = RawLog()
        self.provider: str | None = None
        self.session_id: str | None = None
        self.exit_code: int | None = None
        self.finished = False
        self._store = EntryStore()
        self.changes = ChangeSet()
        """What the agent changed (files, diffs, links), kept whole however many entries are let go."""
        self._claude = ClaudeReader(self._store, display_limit, self.changes)
        self._display_limit = display_limit
        self._merge_lines = merge_lines
        self._merge_chars = merge_chars
        self._turn: int | None = None
        self._turns: dict[int, TurnEntry] = {}
        self._prompts: dict[int, str] = {}
        self._open_stages: dict[str, StageEntry] = {}
        self._stages: list[StageEntry] = []
        self._hold = hold

    # --- reading -----------------------------------------------------------------------------------------------

    @property
    def entries(self) -> Sequence[Entry]:
        """All entries in key order, nested ones included (a live view: do not modify)."""
        return self._store.entries

    def get(self, key: int) -> Entry | None:
        """The entry with this key, or None."""
        return self._store.get(key)

    def top_level(self) -> Sequence[Entry]:
        """The held entries that are not nested under a `Task` call, in order (a live view: do not modify; it loses
        its oldest entries when they are let go, see `top_dropped`)."""
        return self._store.top_level

    @property
    def top_dropped(self) -> int:
        """How many of the oldest top-level entries were let go: `top_level()[i]` is top-level entry
        `top_dropped + i`."""
        return self._store.top_dropped

    def children(self, entry: Entry) -> list[Entry]:
        """The entries nested under a tool entry, in order."""
        if not isinstance(entry, ToolEntry):
            return []
        return [child for key in entry.children if (child := self._store.get(key)) is not None]

    def tool(self, tool_use_id: str) -> ToolEntry | None:
        """The tool entry of a tool call, by its `tool_use_id`."""
        return self._claude.tools.get(tool_use_id)

    def turn(self, number: int) -> TurnEntry | None:
        """The header entry of a turn."""
        return self._turns.get(number)

    @property
    def turns(self) -> list[int]:
        """The turn numbers seen so far, in order."""
        return list(self._turns)

    @property
    def current_turn(self) -> int | None:
        """The turn the latest output belongs to."""
        return self._turn

    @property
    def stages(self) -> Sequence[StageEntry]:
        """Every provisioning stage seen, in order, also those whose entries were let go (a live view)."""
        return self._stages

    @property
    def model(self) -> str | None:
        """The model named by the latest stream-json `system init` line."""
        return self._claude.model

    @property
    def prompts(self) -> dict[int, str]:
        """The prompts given with `set_turn_prompt`, by turn."""
        return dict(self._prompts)

    def __len__(self) -> int:
        return len(self._store.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._store.entries)

    # --- writing -----------------------------------------------------------------------------------------------

    def feed(self, event: dict[str, Any]) -> list[Change]:
        """Apply one stream event; return the entries it added or updated."""
        self._apply(event)
        if self._hold is not None:
            self._let_go(self._hold)
        return self._store.take_changes()

    def feed_many(self, events: Iterable[dict[str, Any]]) -> list[Change]:
        """Apply events in order; return one change per entry touched (`added` if any of them added it)."""
        for event in events:
            self._apply(event)
            if self._hold is not None:
                self._let_go(self._hold)
        return self._store.take_changes()

    def flush(self) -> list[Change]:
        """Show unfinished output lines now; call it only when the stream has ended for good."""
        self._lines(self.raw.flush(), None, cut_by='closed')
        return self._store.take_changes()

    def set_turn_prompt(self, turn: int, prompt: str) -> list[Change]:
        """Give a turn its prompt (the stream does not carry it); it is kept for a turn not seen yet."""
        self._prompts[turn] = prompt
        header = self._turns.get(turn)
        if header is None or header.prompt == prompt:
            return []
        header.prompt = clip(prompt, self._display_limit)
        self._store.touch(header)
        return self._store.take_changes()

    def to_jsonl(self) -> Iterator[str]:
        """The events as JSON Lines, exactly as received, in chunks."""
        return self.raw.to_jsonl()

    def to_text(self) -> Iterator[str]:
        """A readable plain-text transcript with the turn prompts, in chunks."""
        return self.raw.to_text(self._prompts)

    # --- bounding memory ---------------------------------------------------------------------------------------

    def _let_go(self, hold: int) -> None:
        slack = max(1, hold // 10)
        raw, store = self.raw, self._store
        if len(raw.events) > hold + slack:
            raw.let_go_events(len(raw.events) - hold)
        held_lines = raw.lines.line_count - raw.lines.first
        if held_lines > hold + slack:
            raw.let_go_lines(held_lines - hold)
        if store.weight > hold + slack:
            top, excess, count = store.top_level, store.weight - hold, 0
            while excess > 0 and count < len(top) - 1:
                excess -= weight(top[count])
                count += 1
            first_kept = store.let_go(count)
            tools = self._claude.tools
            for tool_use_id in [i for i, tool in tools.items() if tool.key < first_kept]:
                del tools[tool_use_id]

    # --- applying events ---------------------------------------------------------------------------------------

    def _apply(self, event: dict[str, Any]) -> None:
        lines = self.raw.append(event)
        if not isinstance(event, dict):
            self._message(NoticeEntry, None, f'not an event: {as_str(event)[:200]}', event_type='')
            return
        event_id = as_int(event.get('id'))
        kind = as_str(event.get('type'))
        self._lines(lines, event_id, cut_by=kind if kind in _ENDS_TURN else None)
        if kind in _ENDS_TURN:
            self._interrupt_tools()
        if kind == 'output':
            self._enter_turn(turn_of(event, self._turn), event_id)
        elif kind == 'turn_start':
            self._enter_turn(turn_of(event, None if self._turn is None else self._turn + 1), event_id)
        elif kind == 'start':
            self.provider = as_str(event.get('provider') or event.get('runtime')) or self.provider
            self.session_id = as_str(event.get('session_id')) or self.session_id
        elif kind == 'stage':
            self._stage(event, event_id)
        elif kind == 'exit':
            self.changes.end_output()
            self.exit_code = as_int(event.get('code'))
            self.finished = True
            self._store.add(ExitEntry(key=self._store.next_key, turn=self._turn, event_id=event_id,
                                      code=self.exit_code))
        elif kind in _MESSAGE_ENTRIES:
            self.finished = self.finished or kind != 'stale'
            self._message(_MESSAGE_ENTRIES[kind], event_id, as_str(event.get('message')) or kind)
        else:
            message = as_str(event.get('message')) or f'{kind or "untyped"} event'
            self._message(NoticeEntry, event_id, message, event_type=kind)

    def _message(self, cls: type[MessageEntry], event_id: int | None, message: str, event_type: str = '') -> None:
        entry = self._store.add(cls(key=self._store.next_key, turn=self._turn, event_id=event_id,
                                    message=clip(message, self._display_limit)))
        if isinstance(entry, NoticeEntry):
            entry.event_type = event_type

    def _interrupt_tools(self) -> None:
        for tool in self._claude.tools.values():
            if tool.status == 'pending':
                tool.status = 'interrupted'
                self._store.touch(tool)

    def _enter_turn(self, turn: int, event_id: int | None) -> None:
        if turn == self._turn:
            return
        self._turn = turn
        self.changes.end_output()
        if turn not in self._turns:
            self.finished = False
            prompt = self._prompts.get(turn)
            self._turns[turn] = self._store.add(TurnEntry(
                key=self._store.next_key, turn=turn, event_id=event_id, number=turn,
                prompt=None if prompt is None else clip(prompt, self._display_limit)))
        self._open_stages.clear()

    def _stage(self, event: dict[str, Any], event_id: int | None) -> None:
        name = as_str(event.get('stage')) or '?'
        state = as_str(event.get('state')) or '?'
        duration = as_int(event.get('duration_ms'))
        message = as_str(event.get('message')) or None
        entry = self._open_stages.get(name)
        if entry is None:
            entry = self._store.add(StageEntry(key=self._store.next_key, turn=self._turn, event_id=event_id,
                                               name=name, state=state, duration_ms=duration, message=message))
            self._stages.append(entry)
        else:
            entry.state, entry.duration_ms = state, duration if duration is not None else entry.duration_ms
            entry.message = message or entry.message
            self._store.touch(entry)
        if state == 'started':
            self._open_stages[name] = entry
        else:
            self._open_stages.pop(name, None)

    def _lines(self, lines: list[RawLine], event_id: int | None, cut_by: str | None = None) -> None:
        """`cut_by`: the lines were completed by the end of the turn or stream, not by their newlines."""
        plain: list[str] = []  # consecutive plain lines of one stream and turn, merged in one go
        plain_cls: type[LinesEntry] = StdoutEntry
        for turn, stream, text in lines:
            if turn != self._turn:
                self._plain(plain_cls, plain, event_id)
                self._enter_turn(turn, event_id)
            if text.endswith('\r'):
                text = text[:-1]
            if stream == 'stdout':
                if text[:1] in _MAYBE_JSON:
                    obj = parse_line(text)
                    if obj is not None:
                        self._plain(plain_cls, plain, event_id)
                        self._claude.apply(obj, self._turn, event_id)
                        continue
                    if cut_by is not None and text.lstrip().startswith('{'):
                        self._plain(plain_cls, plain, event_id)
                        self._cut_off(len(text), cut_by, event_id)
                        continue
                cls: type[LinesEntry] = StdoutEntry
            else:
                cls = StderrEntry
            if cls is not plain_cls:
                self._plain(plain_cls, plain, event_id)
                plain_cls = cls
            plain.append(text)
        self._plain(plain_cls, plain, event_id)

    def _cut_off(self, chars: int, cut_by: str, event_id: int | None) -> None:
        when = {'terminated': 'at stop', 'closed': 'when the stream ended'}.get(cut_by, 'when the agent ended')
        self._message(NoticeEntry, event_id, f'Output cut off {when}: an unfinished line of {chars:,} characters '
                      'is left out here (the raw output shows it as received).', event_type=CUT_OFF)

    def _plain(self, cls: type[LinesEntry], texts: list[str], event_id: int | None) -> None:
        """Merge plain lines of one stream into the last entry while it has room, else into new entries; then
        empty `texts`. A stderr line that reports a failure starts a block of its own (what follows it, such as a
        traceback's frames, joins that block), so warnings before it do not read as failures."""
        if texts:
            self._changed(cls, texts)
        store, limit, index, count = self._store, self._display_limit, 0, len(texts)
        stderr = cls is StderrEntry
        while index < count:
            last = store.last
            if type(last) is cls and isinstance(last, LinesEntry) and last.turn == self._turn:
                room, chars, batch = self._merge_lines - len(last.lines), last.chars, list[str]()
                notice = stderr and not getattr(last, 'failure', False)
                while index < count and len(batch) < room and chars + len(texts[index]) < self._merge_chars:
                    if notice and is_failure_line(texts[index]):
                        break
                    text = clip(texts[index], limit)
                    batch.append(text)
                    chars += len(text) + 1
                    index += 1
                if batch:
                    last.extend(batch)
                    store.weight += len(batch)
                    store.touch(last)
                    continue
            text = texts[index]
            index += 1
            if text.strip():
                entry = store.add(cls(key=store.next_key, turn=self._turn, event_id=event_id))
                entry.append(clip(text, limit))
                if isinstance(entry, StderrEntry):
                    entry.failure = is_failure_line(text)
        texts.clear()

    def _changed(self, cls: type[LinesEntry], texts: list[str]) -> None:
        """Tell the change set of plain lines: stdout may hold diffs, either stream links. The lines join the last
        entry when it has room (see `_plain`), else the next one."""
        if cls is StdoutEntry:
            last = self._store.last
            joins = type(last) is StdoutEntry and last is not None and last.turn == self._turn
            self.changes.plain_lines(texts, last.key if joins and last is not None else self._store.next_key)
        else:
            for text in texts:
                if 'github.com/' in text:
                    self.changes.text(text)


def changes_of(events: Iterable[dict[str, Any]], hold: int = 1_000) -> ChangeSet:
    """What the agent changed in these events (a session's earlier events, read from its archive), in bounded
    memory: the entries are let go as they are read, the change set is kept."""
    transcript = Transcript(hold=hold)
    for event in events:
        transcript.feed(event)
    transcript.flush()
    return transcript.changes
