"""What the agent changed: its reported pull requests, commits and branches, and a diff per file (collapsible, with
its +/− counts), each edit linking back to the tool call or output it came from.

Fed by the transcript's `ChangeSet`; `refresh()` redraws only the files whose revision moved, and a file's diff is
built when it is first opened. Diffs are HTML made by `aod_ui.markup` (escaped, highlighted); paths and names are
labels.
"""

from __future__ import annotations

from collections.abc import Callable
from weakref import WeakKeyDictionary

from nicegui import ui

from ..markup import Html, diff_html
from ..transcript import ChangeSet, ChangeSummary, Edit, FileChanges
from .safe_html import SafeHtml

__all__ = ['ChangesView', 'summary_text']

OPEN_FILES = 5
"""A file's diff starts open while the session has changed at most this many files."""
ADDED = 'text-green-700 dark:text-green-400 font-mono text-xs'
REMOVED = 'text-red-700 dark:text-red-400 font-mono text-xs'
FILE, FILE_HEADER = 'w-full p-0 gap-0 shadow-none', 'w-full items-center gap-2 no-wrap min-w-0'
PATH = 'font-mono text-sm truncate flex-1 min-w-0'
EDIT_HEADER = 'w-full items-center gap-2 text-xs px-2 pt-1'
LINK_ICONS = {'pull': 'merge', 'commit': 'commit', 'branch': 'fork_right'}


def summary_text(summary: ChangeSummary) -> str:
    """`3 files changed, +40 −12` (or that none were)."""
    if not summary.files:
        return 'No files changed'
    return f'{summary.files} file{"" if summary.files == 1 else "s"} changed, +{summary.added} −{summary.removed}'


def link_chips(summary: ChangeSummary) -> None:
    """The reported links as small chips that open GitHub in a new tab."""
    for link in summary.links:
        with ui.link(target=link.url, new_tab=True).classes('no-underline').props('rel="noopener noreferrer"') \
                .mark(f'change-link-{link.kind}'):
            ui.chip(link.label, icon=LINK_ICONS[link.kind]).props('dense outline color=primary clickable') \
                .classes('text-xs')


class _FileView:
    def __init__(self, file: FileChanges, view: ChangesView, expanded: bool) -> None:
        self.file = file
        self.view = view
        self.revision = -1
        self.built = -1
        self.shown: list[tuple[Edit, tuple[bool, int]]] = []
        """The edits drawn, with what their drawing showed (failed, diff lines)."""
        with ui.card().classes(FILE).props('flat bordered').mark('changed-file') as self.card, \
                ui.expansion(value=expanded).classes('w-full').props('dense') as self.expansion:
            with self.expansion.add_slot('header'), ui.row().classes(FILE_HEADER):
                ui.icon('description').classes('opacity-60')
                ui.label(file.path).classes(PATH).tooltip(file.path)
                self.added = ui.label().classes(ADDED).mark('file-added')
                self.removed = ui.label().classes(REMOVED).mark('file-removed')
                self.failed = ui.badge('not applied', color='grey').props('outline')
            self.body = ui.column().classes('w-full gap-1 pb-2 px-1')
        self.expansion.on_value_change(lambda e: e.value and self._build_body())
        self.refresh()

    def _name(self) -> None:
        # what a screen reader calls the header: its visible words (Quasar would say only "Expand" or "Collapse")
        file = self.file
        self.expansion.props['toggle-aria-label'] = f'{file.path} +{file.added} −{file.removed}' + (
            '' if file.applied else ' not applied')

    def refresh(self) -> None:
        file = self.file
        if file.revision == self.revision:
            return
        self.revision = file.revision
        self.added.text, self.removed.text = f'+{file.added}', f'−{file.removed}'
        self._name()
        self.failed.set_visibility(not file.applied)
        if self.expansion.value:
            self._build_body()

    def _build_body(self) -> None:
        if self.built == self.file.revision:
            return
        self.built = self.file.revision
        edits = self.file.edits
        shown = self.shown
        same = len(shown) <= len(edits) and all(
            edit is edits[i] and (edit.failed, len(edit.lines)) == state for i, (edit, state) in enumerate(shown))
        if not same:  # an edit failed after all, or a diff in the output grew: this file is drawn again
            self.body.clear()
            shown.clear()
        with self.body:  # otherwise only the new edits are added
            for edit in edits[len(shown):]:
                self._edit(edit)
                shown.append((edit, (edit.failed, len(edit.lines))))

    def _edit(self, edit: Edit) -> None:
        with ui.row().classes(EDIT_HEADER):
            ui.label(_edit_title(edit)).classes('opacity-70')
            if edit.entry is not None:
                ui.button('Show in transcript', icon='north_west',
                          on_click=lambda _, key=edit.entry: self.view.on_show(key)) \
                    .props('flat dense no-caps size=sm').mark('show-in-transcript')
        if edit.clipped:
            ui.label('This diff is too large to keep in the dashboard; download the transcript for it.') \
                .classes('text-xs opacity-70 px-2')
        elif edit.lines:
            SafeHtml(_diff(self.file.path, edit)).classes('w-full').mark('diff')


_DIFFS: WeakKeyDictionary[Edit, tuple[int, Html]] = WeakKeyDictionary()
"""Each edit's diff as HTML, made once for every page that shows it (again only when its lines grew)."""


def _diff(path: str, edit: Edit) -> Html:
    made = _DIFFS.get(edit)
    if made is None or made[0] != len(edit.lines):
        made = _DIFFS[edit] = (len(edit.lines), diff_html(path, edit.lines))
    return made[1]


def _edit_title(edit: Edit) -> str:
    what = 'Output diff' if edit.tool == 'diff' else edit.tool
    counts = f'+{edit.added} −{edit.removed}'
    return f'{what} · {counts}' + (' · failed, not applied' if edit.failed else '')


class ChangesView:
    """`refresh()` after every push; `on_show(entry_key)` is asked to show an edit's origin in the transcript."""

    def __init__(self, changes: ChangeSet, on_show: Callable[[int], None]) -> None:
        self.changes = changes
        self.on_show = on_show
        self.revision = -1
        self._files: dict[str, _FileView] = {}
        with ui.column().classes('w-full gap-2 p-1') as self.container:
            with ui.row().classes('w-full items-center gap-2'):
                self.summary = ui.label().classes('text-sm font-medium').mark('changes-summary')
                self.links = ui.row().classes('items-center gap-1')
            self.empty = ui.label('Edits the agent makes to files (and the diffs it prints) appear here, by file.') \
                .classes('text-sm opacity-70')
            self.earlier = ui.label().classes('text-sm opacity-70').mark('changes-earlier')
            self.files = ui.column().classes('w-full gap-2')
        self.refresh()

    def refresh(self) -> None:
        changes = self.changes
        if changes.revision == self.revision:
            return
        self.revision = changes.revision
        summary = changes.summary()
        self.summary.text = summary_text(summary)
        self.links.clear()
        with self.links:
            link_chips(summary)
        self.empty.set_visibility(not changes.files and changes.earlier is None)
        self.earlier.text = ('' if changes.earlier is None else
                             "The session's earlier changes could not be read from the archive; the counts above "
                             'are as it recorded them.' if changes.unreadable else
                             "Reading the session's earlier changes from the archive…")
        self.earlier.set_visibility(changes.earlier is not None)
        shown = [view.file for view in self._files.values()]
        if any(a is not b for a, b in zip(shown, changes.files.values(), strict=False)):
            self.files.clear()  # the session's earlier changes came in from its archive: they go first
            self._files.clear()
        expanded = len(changes.files) <= OPEN_FILES
        for path, file in changes.files.items():
            view = self._files.get(path)
            if view is None:
                with self.files:
                    self._files[path] = _FileView(file, self, expanded)
            else:
                view.refresh()
