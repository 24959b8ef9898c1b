"""What the agent changed: file edits as diffs, grouped by file, and the pull requests, commits and branches it
reported, learnt incrementally as the transcript is fed.

Edits come from Claude's `Edit`, `MultiEdit`, `Write` and `NotebookEdit` tool calls (an edit whose call failed is
kept but not counted), and from `git diff`-shaped blocks in plain-text output (other runtimes print their patches).
Links are GitHub pull request, commit and branch addresses found in the agent's text, tool results and output.
Each piece of text is looked at once, when it arrives; the change set is not trimmed with the transcript's
entries, but keeps at most `DIFF_CHARS` characters of diff lines (counts stay exact beyond that).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ['DIFF_CHARS', 'ChangeSet', 'ChangeSummary', 'Edit', 'FileChanges', 'Link', 'find_links']

DIFF_CHARS = 2_000_000
"""How many characters of diff lines one session's change set keeps."""
DIFF_LINES = 2_000
"""Edits with more lines than this on a side are shown as removed and added whole (no line matching)."""
EDIT_TOOLS = frozenset({'Edit', 'MultiEdit', 'Write', 'NotebookEdit'})
LinkKind = Literal['pull', 'commit', 'branch']
_LINK = re.compile(r'https://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/'
                   r'(?:(pull)/(\d+)|(commit)/([0-9a-f]{7,40})\b|(tree)/([A-Za-z0-9_./-]+))')
_GIT_HEADER = ('index ', 'new file mode', 'deleted file mode', 'similarity index', 'rename from', 'rename to',
               'old mode', 'new mode', 'Binary files', 'copy from', 'copy to', 'dissimilarity index')


@dataclass(frozen=True)
class Link:
    """A GitHub pull request, commit or branch the agent reported."""

    kind: LinkKind
    url: str
    label: str
    """`owner/repo#12`, `owner/repo@1a2b3c4` or `owner/repo:branch`."""


def find_links(text: str) -> list[Link]:
    """The GitHub pull request, commit and branch links in `text`, in order."""
    if 'github.com/' not in text:
        return []
    links = []
    for match in _LINK.finditer(text):
        owner, repo = match.group(1), match.group(2).removesuffix('.git')
        if match.group(3):
            links.append(Link('pull', f'https://github.com/{owner}/{repo}/pull/{match.group(4)}',
                              f'{owner}/{repo}#{match.group(4)}'))
        elif match.group(5):
            sha = match.group(6)
            links.append(Link('commit', f'https://github.com/{owner}/{repo}/commit/{sha}',
                              f'{owner}/{repo}@{sha[:7]}'))
        else:
            branch = match.group(8).rstrip('./-')
            if branch:
                links.append(Link('branch', f'https://github.com/{owner}/{repo}/tree/{branch}',
                                  f'{owner}/{repo}:{branch}'))
    return links


@dataclass(eq=False)
class Edit:
    """One change to one file: its diff lines (`+`, `-`, ` `, or `@@` starting a hunk), where it came from, and
    whether it failed. `entry` is the transcript entry it came from (the tool call, or the output block); None
    when that entry is not in the transcript shown (an earlier change read from the archive)."""

    tool: str
    entry: int | None
    lines: list[str]
    added: int
    removed: int
    tool_use_id: str = ''
    failed: bool = False
    clipped: bool = False
    """The diff lines were not kept (the session's change set is full); the counts are still right.

    Edits compare (and hash) by identity: a view may keep what it made of one."""


@dataclass
class FileChanges:
    """The edits of one file, in order; `revision` grows with every change to them."""

    path: str
    edits: list[Edit] = field(default_factory=list)
    revision: int = 0

    @property
    def added(self) -> int:
        return sum(e.added for e in self.edits if not e.failed)

    @property
    def removed(self) -> int:
        return sum(e.removed for e in self.edits if not e.failed)

    @property
    def applied(self) -> bool:
        """At least one edit of the file went through."""
        return any(not e.failed for e in self.edits)


@dataclass(frozen=True)
class ChangeSummary:
    """What the list and the header show: files and lines changed, and the links."""

    files: int = 0
    added: int = 0
    removed: int = 0
    links: tuple[Link, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {'files': self.files, 'added': self.added, 'removed': self.removed,
                'links': [[link.kind, link.url, link.label] for link in self.links]}

    @classmethod
    def from_dict(cls, data: Any) -> ChangeSummary | None:
        """A summary stored with `to_dict`, or None for anything else."""
        if not isinstance(data, dict):
            return None
        try:
            links = tuple(Link(kind, url, label) for kind, url, label in data.get('links') or []
                          if kind in ('pull', 'commit', 'branch') and str(url).startswith('https://github.com/'))
            return cls(int(data.get('files', 0)), int(data.get('added', 0)), int(data.get('removed', 0)), links)
        except (TypeError, ValueError):
            return None

    @property
    def empty(self) -> bool:
        return not (self.files or self.links)


def _count(lines: list[str]) -> tuple[int, int]:
    added = removed = 0
    for line in lines:
        if line[:1] == '+':
            added += 1
        elif line[:1] == '-':
            removed += 1
    return added, removed


def replace_diff(old: str, new: str) -> list[str]:
    """Diff lines for `old` replaced by `new` (hunks start with `@@`; line numbers are unknown to the agent's tool)."""
    before, after = old.splitlines(), new.splitlines()
    if len(before) > DIFF_LINES or len(after) > DIFF_LINES or not before:
        return ['@@', *(f'-{line}' for line in before), *(f'+{line}' for line in after)]
    lines = []
    for line in difflib.unified_diff(before, after, lineterm='', n=3):
        if line.startswith(('---', '+++')):
            continue
        lines.append('@@' if line.startswith('@@') else line)
    return lines


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ''


class ChangeSet:
    """A session's changes, fed as its transcript grows. `revision` grows with every change, so a view redraws only
    what changed (`FileChanges.revision`)."""

    def __init__(self, diff_chars: int = DIFF_CHARS) -> None:
        self.files: dict[str, FileChanges] = {}
        self.links: dict[str, Link] = {}
        self.revision = 0
        self._room = diff_chars
        self._pending: dict[str, tuple[FileChanges, list[Edit]]] = {}
        self._plain: tuple[FileChanges, Edit] | None = None
        """The plain-output diff being read, while its lines keep coming."""
        self._plain_header = ''
        self.earlier: ChangeSummary | None = None
        """The whole session's summary as its archive recorded it, while the changes before the events held here
        are not read yet (`merge_before` brings them); the summary is then that one."""
        self.unreadable = False
        """The earlier changes could not be read from the archive (only the tail's are shown in full)."""

    # --- reading ---------------------------------------------------------------------------------------------

    @property
    def file_count(self) -> int:
        """Files the agent touched (what the Changes tab counts), the earlier ones included."""
        return self.earlier.files if self.earlier is not None else len(self.files)

    def summary(self) -> ChangeSummary:
        if self.earlier is not None:
            return self.earlier
        files = [f for f in self.files.values() if f.applied]
        return ChangeSummary(len(files), sum(f.added for f in files), sum(f.removed for f in files),
                             tuple(self.links.values()))

    # --- feeding ---------------------------------------------------------------------------------------------

    def tool_call(self, name: str, args: Any, tool_use_id: str, entry: int) -> None:
        """A tool call: an edit tool's changes are recorded (as applied, until its result says otherwise)."""
        if name not in EDIT_TOOLS or not isinstance(args, dict):
            return
        if name == 'NotebookEdit':
            path = _text(args.get('notebook_path') or args.get('file_path'))
            mode = _text(args.get('edit_mode')) or 'replace'
            source = _text(args.get('new_source')).splitlines()
            cell = _text(args.get('cell_id'))
            lines = [f'@@ cell {cell} ({mode})' if cell else f'@@ ({mode})']
            lines += ['-(cell removed)'] if mode == 'delete' else [f'+{line}' for line in source]
            diffs = [lines]
        elif name == 'Write':
            path = _text(args.get('file_path'))
            diffs = [['@@', *(f'+{line}' for line in _text(args.get('content')).splitlines())]]
        elif name == 'Edit':
            path = _text(args.get('file_path'))
            diffs = [replace_diff(_text(args.get('old_string')), _text(args.get('new_string')))]
        else:
            path = _text(args.get('file_path'))
            edits = args.get('edits')
            edits = edits if isinstance(edits, list) else []
            diffs = [replace_diff(_text(e.get('old_string')), _text(e.get('new_string')))
                     for e in edits if isinstance(e, dict)]
        if not path:
            return
        file = self._file(path)
        made = [self._edit(file, name, entry, lines, tool_use_id) for lines in diffs]
        if tool_use_id:
            self._pending[tool_use_id] = (file, made)

    def tool_result(self, tool_use_id: str, is_error: bool, text: str) -> None:
        """A tool call's result: a failed edit no longer counts; links in the result are kept."""
        pending = self._pending.pop(tool_use_id, None)
        if pending is not None and is_error:
            file, edits = pending
            for edit in edits:
                edit.failed = True
            self._touch(file)
        self.text(text)

    def text(self, text: str) -> None:
        """Text the agent wrote or a tool returned: its links are kept."""
        for link in find_links(text):
            if link.url not in self.links:
                self.links[link.url] = link
                self.revision += 1

    def plain_lines(self, lines: list[str], entry: int | None) -> None:
        """Plain stdout lines (non-Claude runtimes): `git diff`-shaped blocks become edits; links are kept."""
        if self._plain is None and not self._plain_header:
            # most output holds neither: one look at the whole batch (in C) instead of several per line
            joined = '\n'.join(lines)
            if 'diff --git ' not in joined and '--- ' not in joined and 'github.com/' not in joined:
                return
        for line in lines:
            self._plain_line(line, entry)

    def end_output(self) -> None:
        """Plain output stopped (a turn ended): a diff being read is complete."""
        self._plain = None
        self._plain_header = ''

    def expect_earlier(self, whole: ChangeSummary) -> None:
        """The changes before the events held here are known only as the whole session's summary, for now."""
        self.earlier = whole
        self.revision += 1

    def earlier_unreadable(self) -> None:
        self.unreadable = True
        self.revision += 1

    def merge_before(self, earlier: ChangeSet) -> None:
        """Put the changes of the session's earlier events (read from its archive) before these. Their transcript
        entries are not held here: they are shown without a way to them."""
        files: dict[str, FileChanges] = {}
        for path, before in earlier.files.items():
            for edit in before.edits:
                edit.entry = None
            files[path] = FileChanges(path, list(before.edits), before.revision + 1)
        for path, after in self.files.items():
            file = files.setdefault(path, FileChanges(path))
            file.edits.extend(after.edits)
            file.revision += after.revision + 1
        self.files = files
        self.links = {**earlier.links, **self.links}
        self.revision += earlier.revision + 1
        self.earlier = None

    # --- inside ----------------------------------------------------------------------------------------------

    def _file(self, path: str) -> FileChanges:
        file = self.files.get(path)
        if file is None:
            file = self.files[path] = FileChanges(path)
        return file

    def _touch(self, file: FileChanges) -> None:
        file.revision += 1
        self.revision += 1

    def _edit(self, file: FileChanges, tool: str, entry: int | None, lines: list[str], tool_use_id: str = '') -> Edit:
        added, removed = _count(lines)
        size = sum(map(len, lines)) + len(lines)
        clipped = size > self._room
        if not clipped:
            self._room -= size
        edit = Edit(tool, entry, [] if clipped else lines, added, removed, tool_use_id, clipped=clipped)
        file.edits.append(edit)
        self._touch(file)
        return edit

    def _plain_line(self, line: str, entry: int | None) -> None:
        if 'github.com/' in line:
            self.text(line)
        if line.startswith('diff --git '):
            path = line.rsplit(' b/', 1)[-1] if ' b/' in line else line[11:]
            self._start_plain(path.strip(), entry)
            return
        if line.startswith('--- ') and self._plain is None:
            self._plain_header = line
            return
        if line.startswith('+++ ') and self._plain_header:
            path = line[4:].split('\t', 1)[0].strip()
            self._start_plain(path[2:] if path.startswith('b/') else path, entry)
            return
        self._plain_header = ''
        if self._plain is None:
            return
        file, edit = self._plain
        if line.startswith(_GIT_HEADER) or (line.startswith(('--- ', '+++ ')) and not edit.lines):
            return
        if line[:1] not in ('@', '+', '-', ' ', '\\') or (line[:1] == '@' and not line.startswith('@@')):
            self._plain = None  # anything else ends the diff
            return
        self._grow(file, edit, line)

    def _start_plain(self, path: str, entry: int | None) -> None:
        self._plain_header = ''
        if not path or path == '/dev/null':
            self._plain = None
            return
        file = self._file(path)
        self._plain = (file, self._edit(file, 'diff', entry, []))

    def _grow(self, file: FileChanges, edit: Edit, line: str) -> None:
        if line[:1] == '+':
            edit.added += 1
        elif line[:1] == '-':
            edit.removed += 1
        if not edit.clipped:
            if len(line) + 1 > self._room:
                edit.clipped, edit.lines = True, []
            else:
                self._room -= len(line) + 1
                edit.lines.append(line)
        self._touch(file)
