"""The session page's transcript, structured and raw, kept at its end while the reader is there, and what the agent
changed."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

from nicegui import ui

from ..hub import SessionHub
from ..transcript import Change, ToolEntry
from .changes_view import ChangesView
from .raw_view import RawView
from .transcript_scroller import TranscriptScroller
from .transcript_view import TranscriptView

__all__ = ['TranscriptPanel']


def _jump_button(icon: str, words: str, action: Callable[[], None]) -> ui.button:
    # not on phones: there the three tabs need the row, and a swipe scrolls as fast
    return ui.button(icon=icon, on_click=action).props(f'flat dense round aria-label="{words}"').tooltip(words) \
        .classes('max-sm:hidden')


class TranscriptPanel:
    """Two tabs (the structured transcript and the raw output) over the hub's transcript. `following` says whether
    the reader is at the end; a reader who scrolls up holds the transcript still and gets "Jump to latest".
    `on_follow` hears when that changes (the header says whether the page follows)."""

    def __init__(self, hub: SessionHub, on_follow: Callable[[bool], None] = lambda on: None) -> None:
        self.following = True
        self.on_follow = on_follow
        self.find_slot = ui.element('div').classes('w-full')
        """Where the session page puts its find bar, above the tabs."""
        with ui.row().classes('w-full items-center gap-1 no-wrap'):
            with ui.tabs().classes('flex-1 min-w-0').props('align=left dense') as self.tabs:
                structured_tab = ui.tab('Transcript', icon='forum')
                self.raw_tab = raw_tab = ui.tab('Raw output', icon='terminal')
                self.changes_tab = changes_tab = ui.tab('Changes', icon='difference').mark('changes-tab')
            _jump_button('vertical_align_top', 'Jump to the start', self.jump_to_start).mark('jump-start')
            _jump_button('vertical_align_bottom', 'Jump to the end', self.jump_to_latest).mark('jump-end')
        self.structured_tab = structured_tab
        with ui.tab_panels(self.tabs, value=structured_tab).classes('w-full bg-transparent').props('keep-alive'):
            with ui.tab_panel(structured_tab).classes('p-0'):
                self.scroller = TranscriptScroller(self._on_follow) \
                    .classes('aod-transcript w-full border rounded-lg overflow-y-auto p-4') \
                    .style('height: var(--aod-fit, 62vh); scrollbar-width: thin')
                with self.scroller:
                    self.notice_slot = ui.element('div').classes('w-full')
                    """Where the session page says what happens before there is output (provisioning)."""
                    self.transcript = TranscriptView(hub.transcript)
                self.transcript.on_paged = self.scroller.set_paged
                self.jump = ui.button('Jump to latest', icon='south', on_click=self.jump_to_latest) \
                    .props('rounded color=primary size=sm').classes('fixed bottom-6 right-6 z-10').mark('jump')
                self.jump.set_visibility(False)
            with ui.tab_panel(raw_tab).classes('p-0'):
                self.raw = RawView(hub.transcript.raw.lines)
            with ui.tab_panel(changes_tab).classes('p-0'):
                self.changes = ChangesView(hub.transcript.changes, on_show=self.reveal)
        self._label_changes()
        self.tabs.on_value_change(lambda e: self.raw.set_active(e.value == raw_tab.props['name']))
        self.tabs.on_value_change(lambda e: hub.learn_changes() if e.value == changes_tab.props['name'] else None)

    def raw_shown(self) -> bool:
        return self.tabs.value == self.raw_tab.props['name']

    def apply(self, changes: list[Change]) -> None:
        self.transcript.apply(changes)
        self.raw.grow()
        self.show_changes()

    def show_changes(self) -> None:
        """Redraw what changed where it changed (also when the session's earlier changes came from its archive)."""
        self.changes.refresh()
        self._label_changes()

    def _label_changes(self) -> None:
        files = self.changes.changes.file_count
        label = f'Changes ({files})' if files else 'Changes'
        if self.changes_tab.props.get('label') != label:
            self.changes_tab.props['label'] = label

    def reveal(self, key: int) -> None:
        """Show the transcript entry `key` (where a change came from), opening its tool card; the reader is now
        reading history, so the tail is not followed."""
        view, transcript = self.transcript, self.transcript.transcript
        entry = top = transcript.get(key)
        while top is not None and top.parent is not None:
            top = transcript.get(top.parent)
        top_level = transcript.top_level()
        index = bisect_left(top_level, top.key, key=lambda e: e.key) if top is not None else len(top_level)
        if entry is None or index >= len(top_level) or top_level[index] is not top:
            ui.notify('That part of the transcript is no longer kept in the dashboard: download the transcript.')
            return
        self.tabs.set_value(self.structured_tab)
        self.set_following(False)
        view.show_at(transcript.top_dropped + index)
        for shown in (view.view_of(top), view.view_of(entry)):
            if shown is not None and isinstance(shown.entry, ToolEntry) and not shown.expanded:
                shown.expanded = True
                shown.update()
        target = view.view_of(entry)
        if target is not None:
            ui.run_javascript(f'window.aodFind?.({view.container.id}, [], {target.root.id}, null)')

    def scroll_to_end(self) -> None:
        self.scroller.to_end()  # and keep following from there

    def _to_text(self) -> None:
        """Jumps act on the raw output on its tab, else on the transcript (from the changes too)."""
        if self.tabs.value == self.changes_tab.props['name']:
            self.tabs.set_value(self.structured_tab)

    def jump_to_latest(self) -> None:
        self._to_text()
        if self.raw_shown():
            self.raw.go(self.raw.lines.line_count)
            return
        self.set_following(True)
        if not self.transcript.following_tail:
            self.transcript.jump_to_latest()
        self.scroll_to_end()

    def jump_to_start(self) -> None:
        """The earliest output the page still holds (it says when earlier output was let go)."""
        self._to_text()
        if self.raw_shown():
            self.raw.go(-self.raw.lines.line_count)
            return
        self.set_following(False)
        self.transcript.jump_to_start()
        self.scroller.to_start()

    def set_following(self, on: bool) -> None:
        if on == self.following:
            return
        self.following = on
        self.jump.set_visibility(not on)
        if not on:
            self.transcript.following_tail = False  # the page holds still under a reader who went back to read
        elif not self.transcript.following_tail:
            self.transcript.jump_to_latest()
        self.on_follow(on)

    def _on_follow(self, on: bool) -> None:
        self.set_following(on)
