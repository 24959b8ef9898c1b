"""The transcript model: a session's stream events turned into structured, incrementally updated entries.

Pure domain code (no NiceGUI, no I/O). `Transcript.feed(event)` applies one stream event and returns the
`Change`s to render; `Transcript.raw` (a `RawLog`) keeps every event for the raw view and the downloads.
`Transcript.changes` (a `ChangeSet`) is what the agent changed: diffs by file and the links it reported.
`status_after(status, events)` is the one rule for what a session's status becomes as its events arrive, and
`SessionStatus` the session's current status fed by those events and AoD's answers.
"""

from ._changes import ChangeSet, ChangeSummary, Edit, FileChanges, Link, find_links
from ._entries import (
    Change,
    Entry,
    EntryKind,
    ErrorEntry,
    ExitEntry,
    LinesEntry,
    MessageEntry,
    NoticeEntry,
    ResultEntry,
    StageEntry,
    StaleEntry,
    StderrEntry,
    StdoutEntry,
    SystemEntry,
    TerminatedEntry,
    TextEntry,
    ThinkingEntry,
    ToolEntry,
    ToolStatus,
    TurnEntry,
)
from ._export import iter_jsonl, iter_text
from ._lines import LineDemux, LineIndex, RawLine
from ._raw import RawLog
from ._readable import entry_text, readable_line
from ._status import SessionStatus, status_after
from ._text import DISPLAY_LIMIT, clip, one_line, summarize_tool
from ._tone import is_failure_line
from ._transcript import CUT_OFF, MERGE_CHARS, MERGE_LINES, Transcript, changes_of

__all__ = [
    'CUT_OFF',
    'DISPLAY_LIMIT',
    'MERGE_CHARS',
    'MERGE_LINES',
    'Change',
    'ChangeSet',
    'ChangeSummary',
    'Edit',
    'Entry',
    'EntryKind',
    'ErrorEntry',
    'ExitEntry',
    'FileChanges',
    'LineDemux',
    'LineIndex',
    'LinesEntry',
    'Link',
    'MessageEntry',
    'NoticeEntry',
    'RawLine',
    'RawLog',
    'ResultEntry',
    'SessionStatus',
    'StageEntry',
    'StaleEntry',
    'StderrEntry',
    'StdoutEntry',
    'SystemEntry',
    'TerminatedEntry',
    'TextEntry',
    'ThinkingEntry',
    'ToolEntry',
    'ToolStatus',
    'Transcript',
    'TurnEntry',
    'changes_of',
    'clip',
    'entry_text',
    'find_links',
    'is_failure_line',
    'iter_jsonl',
    'iter_text',
    'one_line',
    'readable_line',
    'status_after',
    'summarize_tool',
]
