"""Browser notifications (the Notification API) on every page of a person who turned them on: when a session they
own or watch finishes, fails or is stopped. The text is set as the
notification's title and body, never as HTML."""

from __future__ import annotations

import json

from nicegui import ui

from ..services import Actor, SessionEvent
from ..system import System

__all__ = ['PERMISSION_JS', 'BrowserNotices']

WORDS = {'finished': 'finished', 'failed': 'failed', 'stopped': 'was stopped'}  # a launch is nobody's news here
PERMISSION_JS = '(typeof Notification === "undefined") ? "unsupported" : Notification.requestPermission()'


class BrowserNotices:
    """Shows the session events this page's person wants, as long as the page is open."""

    def __init__(self, system: System, actor: Actor) -> None:
        self.system = system
        self.actor = actor
        notifications = getattr(system, 'notifications', None)
        if notifications is not None:
            notifications.happened.subscribe(self._show)

    def _show(self, event: SessionEvent) -> None:
        if event.kind not in WORDS or not self.system.notifications.wants(self.actor.username, event):
            return
        title = json.dumps(f'Session {WORDS[event.kind]}')
        body = json.dumps(f'{event.title} (agent {event.agent})')
        tag = json.dumps(f'aod-{event.session_id}-{event.kind}')
        ui.run_javascript(f'if (typeof Notification !== "undefined" && Notification.permission === "granted") '
                          f'{{ const n = new Notification({title}, {{body: {body}, tag: {tag}}}); '
                          f'n.onclick = () => {{ window.focus(); window.location.href = "/sessions/" + '
                          f'{json.dumps(event.session_id)}; }}; window.aodNotices = (window.aodNotices || 0) + 1; }}')
