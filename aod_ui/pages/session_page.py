"""One session, live: its status and stages, the transcript (structured and raw), follow-ups, stop and delete."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from .. import format as fmt
from ..auth import authenticate, login_redirect
from ..components import frame
from ..components.find_bar import FindBar
from ..components.followup_box import FollowUpBox
from ..components.page_guard import page_guard
from ..components.raw_view import RawView
from ..components.rerun_panel import RerunPanel
from ..components.session_actions import SessionActions
from ..components.session_settings import SessionSettings
from ..components.stage_timeline import StageTimeline
from ..components.status_badge import StatusBadge
from ..components.transcript_view import TranscriptView
from ..components.watch_toggle import WatchToggle
from ..errors import AodUiError, NotAllowed
from ..hub import Batch, HubState
from ..services import Actor, SessionDetail
from ..system import System
from ..transcript import StageEntry, status_after
from ._page import page

__all__ = ['register']

FOLLOW_JS = '''(() => {
  const start = () => {
    const box = document.getElementById('cSCROLLER');
    if (!box) { setTimeout(start, 50); return; }
    let follow = true, told = true, queued = false, userUntil = 0;
    const setFollow = (on) => {
      follow = on;
      if (on !== told) { told = on; emitEvent('aod_follow', {id: SCROLLER, on}); }
    };
    const toEnd = () => { box.scrollTop = box.scrollHeight; };
    (window.aodScrollToEnd = window.aodScrollToEnd || {})[SCROLLER] = () => { setFollow(true); toEnd(); };
    const byUser = () => { userUntil = Date.now() + 600; };
    for (const kind of ['wheel', 'touchmove', 'pointerdown']) box.addEventListener(kind, byUser, {passive: true});
    window.addEventListener('keydown', (event) => {
      const typing = event.target.closest && event.target.closest('input, textarea, [contenteditable]');
      if (!typing && ['PageUp', 'PageDown', 'ArrowUp', 'ArrowDown', 'Home', 'End', ' '].includes(event.key)) byUser();
    });
    box.addEventListener('scroll', () => {
      if (box.scrollHeight - box.scrollTop - box.clientHeight < 40) setFollow(true);
      else if (Date.now() < userUntil) setFollow(false);  // only the reader stops following, never new content
    });
    new MutationObserver(() => {
      if (!follow || queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; if (follow) toEnd(); });
    }).observe(box, {childList: true, subtree: true, characterData: true});
    toEnd();
  };
  start();
})()'''
"""Keeps a transcript scrolled to its end while the reader is there, in the browser: whenever it changes, with no
message from the server. A reader who scrolls up (wheel, touch, keys, the scroll bar) stays where they are, and the
server hears of it (`aod_follow`) to show "Jump to latest" and hold the transcript still."""
READING = frozenset({'connecting', 'live', 'reconnecting'})


def reading_text(rows: int) -> str:
    """The progress of a finished session read from AoD for the first time (AoD sends about 200 rows a second)."""
    return (f'Reading this session from AoD: {rows:,} rows so far. AoD sends about 200 rows a second; once read, '
            'the dashboard keeps it and opens it at once.')


HUB_TEXT = {'connecting': 'Connecting to the live stream…', 'live': 'Live: following the agent\'s output',
            'idle': 'All output received', 'stopped': 'Not following', 'gone': 'Deleted upstream'}


def register(system: System) -> None:
    @page(system, '/sessions/{session_id}')
    async def session_page(request: Request, session_id: str, find: str = '',
                           at: int | None = None) -> RedirectResponse | None:
        actor = await authenticate(system, request)
        if actor is None:
            return login_redirect(request)
        with frame(system, 'Session', actor):
            try:
                detail = await system.sessions.get(actor, session_id)
            except NotAllowed as error:
                ui.label(str(error)).classes('text-lg').mark('not-found')
                ui.link('Back to all sessions', '/')
                return
            except AodUiError as error:
                ui.label(str(error)).classes('text-negative bg-red-1 rounded p-3').mark('problem')
                ui.button('Try again', icon='refresh', on_click=ui.navigate.reload)
                return
            await _session_view(system, detail, actor, find, at)


async def _session_view(system: System, detail: SessionDetail, actor: Actor, find: str = '',
                        at: int | None = None) -> None:
    row = detail.row
    hub = await system.hubs.opened(row.id)  # what the archive holds, loaded before the page shows it
    hub.set_turn_prompts({t.turn_number: t.prompt for t in detail.turns})
    page_title = f'{row.title[:40]} · {system.settings.title}'
    ui.page_title(page_title)
    state = {'status': row.status}

    with ui.card().classes('w-full gap-2'):
        with ui.row().classes('w-full items-start gap-3 no-wrap max-sm:flex-wrap'):
            badge = StatusBadge(row.status)
            with ui.column().classes('flex-1 gap-0 min-w-0'):
                ui.label(row.title).classes('text-xl font-semibold break-words').mark('session-title')
                facts = ui.label().classes('text-sm opacity-70')
            may_act_upstream = detail.may_act and not detail.deleted_upstream
            actions = SessionActions(system, row.id, may_act=may_act_upstream, on_status=lambda s: set_status(s))
        SessionSettings(system, row, actor, may_act=detail.may_act)
        reruns = RerunPanel(system, row, actor)
        if row.recorded:
            WatchToggle(system, row, actor)
        if detail.deleted_upstream:
            days = system.settings.archive_days
            ui.label('Deleted upstream: AoD no longer has this session. It is shown from the dashboard\'s archive'
                     + (f', which keeps it {days:g} days after the deletion.' if days else '.')) \
                .classes('text-sm bg-amber-1 rounded p-2').mark('deleted-upstream')
        hub_line = ui.label().classes('text-xs opacity-70').mark('hub-state')
        progress = ui.label().classes('text-xs').mark('reading-progress')
        timeline = StageTimeline()

    def describe() -> None:
        parts = [f'Agent {row.agent_name or "unknown"}', f'started by {row.owner or "someone outside the dashboard"}',
                 f'created {fmt.relative_time(row.created_at)}']
        if not row.active:
            parts.append(f'ran {fmt.duration(row.duration_seconds)}')
        if row.turn_count:
            parts.append(f'{max(row.turn_count, len(hub.transcript.turns))} turn(s)')
        if hub.transcript.exit_code is not None:
            parts.append(f'exit code {hub.transcript.exit_code}')
        facts.text = ' · '.join(parts)
    describe()

    find_slot = ui.element('div').classes('w-full')
    with ui.tabs().classes('w-full').props('align=left dense') as tabs:
        structured_tab = ui.tab('Transcript', icon='forum')
        raw_tab = ui.tab('Raw output', icon='terminal')
    with ui.tab_panels(tabs, value=structured_tab).classes('w-full bg-transparent').props('keep-alive'):
        with ui.tab_panel(structured_tab).classes('p-0'):
            # the browser's own scrolling: a scroll area drawn by a component re-renders and lays the page out again
            # two more times on every push (its bar follows the text), which doubled what a live page cost
            with ui.element('div').classes('aod-transcript w-full border rounded-lg overflow-y-auto p-4') \
                    .style('height: 62vh; scrollbar-width: thin') as scroller:
                transcript = TranscriptView(hub.transcript)
            jump = ui.button('Jump to latest', icon='south').props('rounded color=primary size=sm') \
                .classes('fixed bottom-6 right-6 z-10').mark('jump')
            jump.set_visibility(False)
        with ui.tab_panel(raw_tab).classes('p-0'):
            raw = RawView(hub.transcript.raw.lines)
    tabs.on_value_change(lambda e: raw.set_active(e.value == raw_tab.props['name']))
    with find_slot:
        finder = FindBar(system.finder, actor, row.id, hub.transcript, transcript, raw, query=find, at=at,
                         raw_shown=lambda: tabs.value == raw_tab.props['name'], left_tail=lambda: set_following(False))
    tabs.on_value_change(finder.search)

    followup = FollowUpBox(system, row.id, may_act=may_act_upstream)

    def show_progress() -> None:
        reading = not row.active and not hub.archived_complete and hub.state.phase in READING
        progress.text = reading_text(hub.rows_read) if reading else ''
        progress.set_visibility(reading)

    def set_status(status: str) -> None:
        previous = state['status']
        state['status'] = status
        badge.set_status(status)
        actions.set_status(status)
        followup.set_status(status)
        reruns.set_status(status)
        if status != 'pending':
            timeline.settle()
        describe()
        if previous != status and status in {'completed', 'failed', 'terminated'} and previous in {'pending',
                                                                                                  'running'}:
            word = {'completed': 'finished', 'failed': 'failed', 'terminated': 'was stopped'}[status]
            ui.notify(f'Session {word}: {row.title[:60]}', type='positive' if status == 'completed' else 'warning')
            ui.page_title(f'{"✓" if status == "completed" else "✗"} {page_title}')
    for entry in hub.transcript.entries:
        if isinstance(entry, StageEntry):
            timeline.show(entry)
    set_status(row.status)

    follow = {'on': True}

    def scroll_to_end() -> None:
        ui.run_javascript(f'window.aodScrollToEnd?.[{scroller.id}]?.()')  # and keep following from there

    def set_following(on: bool) -> None:
        if on == follow['on']:
            return
        follow['on'] = on
        jump.set_visibility(not on)
        if not on:
            transcript.following_tail = False  # the page holds still under a reader who went back to read
        elif not transcript.following_tail:
            transcript.jump_to_latest()
    # the browser keeps the end in view by itself, so a live push carries no scrolling message of its own
    ui.run_javascript(FOLLOW_JS.replace('SCROLLER', str(scroller.id)))

    def on_follow(event) -> None:
        args = event.args if isinstance(event.args, dict) else {}
        if args.get('id') == scroller.id:
            set_following(bool(args.get('on')))
    ui.on('aod_follow', on_follow)

    def jump_to_latest() -> None:
        set_following(True)
        if not transcript.following_tail:
            transcript.jump_to_latest()
        scroll_to_end()
    jump.on_click(jump_to_latest)

    def on_batch(batch: Batch) -> None:
        for change in batch.changes:
            if isinstance(change.entry, StageEntry):
                timeline.show(change.entry)
        if state['status'] != 'pending':
            timeline.settle()
        transcript.apply(batch.changes)
        raw.grow()
        status = status_after(state['status'], batch.events)
        if status != state['status']:
            set_status(status)
        show_progress()

    def on_state(hub_state: HubState) -> None:
        text = HUB_TEXT.get(hub_state.phase, hub_state.phase)
        if hub_state.phase == 'reconnecting':
            text = 'Reconnecting'
            if hub_state.retry_in:
                text += f' in {hub_state.retry_in:.0f} s'
            if hub_state.message:
                text += f': {hub_state.message}'
        elif hub_state.message:
            text = f'{text}: {hub_state.message}'
        hub_line.text = text
        show_progress()

    # every push first asks whether this person may still watch; a change of rights takes the page down at once
    guard = page_guard()

    def may_watch() -> bool:
        return guard.allows(lambda now: system.sessions.may_watch(now, row.id))
    replay, viewer = hub.join(on_batch, on_state, allowed=may_watch)
    ui.context.client.on_delete(viewer.close)
    guard.on_down(viewer.close)
    system.sessions.access_changed.subscribe(lambda session_id: session_id == row.id and may_watch())
    on_state(hub.state)
    if find:
        await finder.search()
    elif replay:
        scroll_to_end()
