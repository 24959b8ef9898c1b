"""The shared page layout: header with navigation, the demo banner, dark mode, and keyboard shortcuts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import app, ui

from .. import theme
from ..auth import end_sign_in
from ..services import Actor
from ..system import System
from .app_header import AppHeader
from .browser_notices import BrowserNotices
from .page_guard import PageGuard
from .page_style import page_style
from .shortcuts import Shortcuts

__all__ = ['frame']


@contextmanager
def frame(system: System, title: str, actor: Actor) -> Iterator[ui.column]:
    """Lay out a page for a signed-in person: yields the main column that the page fills. The page's guard asks
    again whenever the person's rights change."""
    ui.page_title(f'{title} · {system.settings.title}')
    page_style()
    dark = ui.dark_mode(app.storage.user.get('dark'))
    BrowserNotices(system, actor)

    async def sign_out() -> None:
        # an action of this page's own websocket: another site cannot sign anyone out with a link or a form
        guard.leave()  # this page goes to the sign-in page itself; its other pages are taken down
        ui.navigate.to(await end_sign_in(system, ui.context.client.request))

    def toggle_dark() -> None:
        dark.value = not dark.value
        app.storage.user['dark'] = dark.value
    AppHeader(system, actor, toggle_dark=toggle_dark, sign_out=sign_out)
    if system.settings.demo:
        with ui.row().classes(f'w-full items-center justify-center gap-2 py-1 px-3 no-wrap {theme.NOTICE} text-sm') \
                .mark('demo-banner'):
            ui.icon('science')
            ui.label('Demo mode: built-in simulator. Sessions here are scripted and nothing reaches a real AoD.')

    token = system.tokens.info(actor.username) if system.tokens is not None and system.tokens.enabled else None
    if token is not None and token.broken:
        with ui.row().classes('w-full items-center justify-center gap-2 py-1 px-3 no-wrap bg-red-1 text-red-10') \
                .classes('text-sm').mark('token-broken'):
            ui.icon('key_off')
            ui.label('AoD refused your personal token (revoked or expired): sessions started with it cannot be '
                     'reached. Ask an admin to set a new one.')

    Shortcuts(actor)

    with ui.column().classes('w-full max-w-6xl mx-auto p-4 gap-4') as column:
        guard = PageGuard(system, actor, column)

        def recheck(username: str) -> None:
            # someone changed a person, or they signed out: if it is this page's person, the page re-checks at once
            if username == actor.username:
                guard.allows()
        system.people.changed.subscribe(recheck)
        yield column
