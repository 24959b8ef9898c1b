"""The shared page layout: header with navigation, the demo banner, dark mode, and keyboard shortcuts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import app, ui

from .. import theme
from ..auth import end_sign_in
from ..services import Actor, is_admin
from ..system import System
from .browser_notices import BrowserNotices
from .page_guard import PageGuard
from .page_style import page_style
from .tailwind import preload
from .token_dialog import open_token_dialog

__all__ = ['frame']


@contextmanager
def frame(system: System, title: str, actor: Actor) -> Iterator[ui.column]:
    """Lay out a page for a signed-in person: yields the main column that the page fills. The page's guard asks
    again whenever the person's rights change."""
    ui.page_title(f'{title} · {system.settings.title}')
    page_style()
    preload()
    dark = ui.dark_mode(app.storage.user.get('dark'))
    BrowserNotices(system, actor)

    async def sign_out() -> None:
        # an action of this page's own websocket: another site cannot sign anyone out with a link or a form
        guard.leave()  # this page goes to the sign-in page itself; its other pages are taken down
        ui.navigate.to(await end_sign_in(system, ui.context.client.request))

    def toggle_dark() -> None:
        dark.value = not dark.value
        app.storage.user['dark'] = dark.value
    # (in the menu, in the header): the header's are short
    links = [(('Sessions', 'Sessions'), '/'), (('New session', ''), '/new')]
    if is_admin(actor) and system.settings.auth != 'none':
        links += [(('People', 'People'), '/people'), (('Audit trail', 'Audit'), '/audit')]
    if is_admin(actor):
        links.append((('Operations', 'Operations'), '/operations'))
    links.append((('API tokens', 'Tokens'), '/tokens'))
    with ui.header().classes('items-center gap-2 px-4 py-2 bg-primary text-white no-wrap'):
        # narrow screens: the links move into a menu (wide ones show them in the header)
        with ui.button(icon='menu').props('flat round dense color=white aria-label="Menu"').classes('md:hidden') \
                .mark('menu'):
            with ui.menu():
                for (text, _), path in links:
                    ui.menu_item(text, lambda path=path: ui.navigate.to(path))
        ui.link(system.settings.title, '/').classes('text-lg font-semibold text-white no-underline mr-4 truncate')
        ui.link('Sessions', '/').classes('text-white no-underline max-md:hidden')
        with ui.button(icon='add', on_click=lambda: ui.navigate.to('/new')) \
                .props('flat dense no-caps color=white aria-label="New session"').tooltip('Start a session (n)'):
            ui.label('New session').classes('max-sm:hidden')
        for (_, text), path in links[2:]:
            ui.link(text, path).classes('text-white no-underline max-md:hidden')
        ui.space()
        if system.settings.auth != 'none':
            with ui.button(icon='account_circle').props('flat dense no-caps color=white').classes('shrink-0') \
                    .mark('account') as account:
                account.props['aria-label'] = f'Account {actor.label}'  # its name also where the label is hidden
                ui.label(actor.label).classes('ml-1 max-sm:hidden')
                with ui.menu():
                    ui.menu_item(f'{actor.username} ({actor.role})').props('disable')
                    if is_admin(actor):
                        ui.menu_item('People', lambda: ui.navigate.to('/people'))
                        ui.menu_item('Audit trail', lambda: ui.navigate.to('/audit'))
                        ui.menu_item('Operations', lambda: ui.navigate.to('/operations'))
                    if system.tokens is not None and system.tokens.enabled and (
                            system.settings.self_service_tokens or is_admin(actor)):
                        ui.menu_item('My AoD token', lambda: open_token_dialog(system, actor.username)) \
                            .mark('my-token')
                    ui.menu_item('Sign out', sign_out).mark('sign-out')
        ui.button(icon='dark_mode', on_click=toggle_dark).props('flat round dense color=white aria-label="Dark mode"') \
            .classes('shrink-0').tooltip('Dark mode')
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

    def shortcut(event) -> None:
        if not event.action.keydown or event.modifiers.ctrl or event.modifiers.meta or event.modifiers.alt:
            return
        if event.key == 'n':
            ui.navigate.to('/new')
        elif event.key == '/':
            ui.run_javascript('document.querySelector("input[data-search], [data-search] input")?.focus()')
    ui.keyboard(on_key=shortcut)

    with ui.column().classes('w-full max-w-6xl mx-auto p-4 gap-4') as column:
        guard = PageGuard(system, actor, column)

        def recheck(username: str) -> None:
            # someone changed a person, or they signed out: if it is this page's person, the page re-checks at once
            if username == actor.username:
                guard.allows()
        system.people.changed.subscribe(recheck)
        yield column
