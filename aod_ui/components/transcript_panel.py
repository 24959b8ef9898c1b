"""The session page's transcript, structured and raw, kept at its end while the reader is there, and what the agent
changed."""

from __future__ import annotations

from bisect import bisect_left
from pathlib import Path
from typing import Any

from nicegui import ui

from ..hub import SessionHub
from ..transcript import Change, ToolEntry
from .changes_view import ChangesView
from .raw_view import RawView
from .transcript_view import TranscriptView

__all__ = ['TranscriptPanel']

FOLLOW_JS = (Path(__file__).parent / 'follow.js').read_text()
"""Keeps the transcript at its end in the browser, with no message from the server (see the file)."""


class TranscriptPanel:
    """Two tabs (the structured transcript and the raw output) over the hub's transcript. `following` says whether
    the reader is at the end; a reader who scrolls up holds the transcript still and gets "Jump to latest"."""

    def __init__(self, hub: SessionHub) -> None:
        self.following = True
        self.find_slot = ui.element('div').classes('w-full')
        """Where the session page puts its find bar, above the tabs."""
        with ui.tabs().classes('w-full').props('align=left dense') as self.tabs:
            structured_tab = ui.tab('Transcript', icon='forum')
            self.raw_tab = raw_tab = ui.tab('Raw output', icon='terminal')
            self.changes_tab = changes_tab = ui.tab('Changes', icon='difference').mark('changes-tab')
        self.structured_tab = structured_tab
        with ui.tab_panels(self.tabs, value=structured_tab).classes('w-full bg-transparent').props('keep-alive'):
            with ui.tab_panel(structured_tab).classes('p-0'):
                # the browser's own scrolling: a scroll area drawn by a component re-renders and lays the page out
                # again two more times on every push (its bar follows the text), which doubled what a live page cost
                with ui.element('div').classes('aod-transcript w-full border rounded-lg overflow-y-auto p-4') \
                        .style('height: 62vh; scrollbar-width: thin') as self.scroller:
                    self.transcript = TranscriptView(hub.transcript)
                self.jump = ui.button('Jump to latest', icon='south', on_click=self.jump_to_latest) \
                    .props('rounded color=primary size=sm').classes('fixed bottom-6 right-6 z-10').mark('jump')
                self.jump.set_visibility(False)
            with ui.tab_panel(raw_tab).classes('p-0'):
                self.raw = RawView(hub.transcript.raw.lines)
            with ui.tab_panel(changes_tab).classes('p-0'):
                self.changes = ChangesView(hub.transcript.changes, on_show=self.reveal)
        self._label_changes()
        self.tabs.on_value_change(lambda e: self.raw.set_active(e.value == raw_tab.props['name']))
        # the browser keeps the end in view by itself, so a live push carries no scrolling message of its own
        ui.run_javascript(FOLLOW_JS.replace('SCROLLER', str(self.scroller.id)))
        ui.on('aod_follow', self._on_follow)

    def raw_shown(self) -> bool:
        return self.tabs.value == self.raw_tab.props['name']

    def apply(self, changes: list[Change]) -> None:
        self.transcript.apply(changes)
        self.raw.grow()
        self.changes.refresh()
        self._label_changes()

    def _label_changes(self) -> None:
        files = len(self.changes.changes.files)
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
        ui.run_javascript(f'window.aodScrollToEnd?.[{self.scroller.id}]?.()')  # and keep following from there

    def jump_to_latest(self) -> None:
        self.set_following(True)
        if not self.transcript.following_tail:
            self.transcript.jump_to_latest()
        self.scroll_to_end()

    def set_following(self, on: bool) -> None:
        if on == self.following:
            return
        self.following = on
        self.jump.set_visibility(not on)
        if not on:
            self.transcript.following_tail = False  # the page holds still under a reader who went back to read
        elif not self.transcript.following_tail:
            self.transcript.jump_to_latest()

    def _on_follow(self, event: Any) -> None:
        args = event.args if isinstance(event.args, dict) else {}
        if args.get('id') == self.scroller.id:
            self.set_following(bool(args.get('on')))
