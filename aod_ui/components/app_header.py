"""The header of every signed-in page: the dashboard's name, the links the person may follow (in a menu on narrow
screens), New session, the account menu and dark mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from ..services import Actor, can_launch, is_admin
from ..system import System
from .new_session_button import NewSessionButton
from .token_dialog import open_token_dialog

__all__ = ['AppHeader', 'header_links']


def header_links(system: System, actor: Actor) -> list[tuple[str, str, str]]:
    """(name in the menu, name in the header, path) of every page the person may open from the header."""
    links = [('Sessions', 'Sessions', '/')] + ([('New session', 'New session', '/new')] if can_launch(actor) else [])
    if is_admin(actor) and system.settings.auth != 'none':
        links += [('People', 'People', '/people'), ('Audit trail', 'Audit', '/audit')]
    if is_admin(actor):
        links.append(('Operations', 'Operations', '/operations'))
    links.append(('API tokens', 'Tokens', '/tokens'))
    return links


def _item(text: str, action: Callable[[], Any] | None = None) -> ui.menu_item:
    # Quasar's items say `listitem`, which a menu may not hold: screen readers announce them as a menu's items
    return ui.menu_item(text, action).props('role=menuitem')


class AppHeader(ui.header):
    """Wide screens show every link in the header; narrow ones (under 768 px) keep them in the menu behind the
    Menu button, and the names of New session and of the account move into the buttons' labels for screen readers."""

    def __init__(self, system: System, actor: Actor, *, toggle_dark: Callable[[], None],
                 sign_out: Callable[[], Any]) -> None:
        super().__init__()
        links = header_links(system, actor)
        self.classes('items-center gap-2 px-4 py-2 bg-primary text-white no-wrap')
        with self:
            with ui.button(icon='menu').props('flat round dense color=white aria-label="Menu"') \
                    .classes('md:hidden').mark('menu'), ui.menu():
                for text, _, path in links:
                    _item(text, lambda path=path: ui.navigate.to(path))
            ui.link(system.settings.title, '/').classes('text-lg font-semibold text-white no-underline mr-4 truncate')
            ui.link('Sessions', '/').classes('text-white no-underline max-md:hidden')
            NewSessionButton(actor)
            for _, text, path in links:
                if path not in {'/', '/new'}:
                    ui.link(text, path).classes('text-white no-underline max-md:hidden')
            ui.space()
            if system.settings.auth != 'none':
                self._account(system, actor, sign_out)
            ui.button(icon='dark_mode', on_click=toggle_dark) \
                .props('flat round dense color=white aria-label="Dark mode"').classes('shrink-0').tooltip('Dark mode')

    @staticmethod
    def _account(system: System, actor: Actor, sign_out: Callable[[], Any]) -> None:
        with ui.button(icon='account_circle').props('flat dense no-caps color=white').classes('shrink-0') \
                .mark('account') as account:
            account.props['aria-label'] = f'Account {actor.label}'  # a name also where the label is hidden
            ui.label(actor.label).classes('ml-1 max-sm:hidden')
            with ui.menu():
                _item(f'{actor.username} ({actor.role})').props('disable')
                if is_admin(actor):
                    _item('People', lambda: ui.navigate.to('/people'))
                    _item('Audit trail', lambda: ui.navigate.to('/audit'))
                    _item('Operations', lambda: ui.navigate.to('/operations'))
                if system.tokens is not None and system.tokens.enabled and (
                        system.settings.self_service_tokens or is_admin(actor)):
                    _item('My AoD token', lambda: open_token_dialog(system, actor.username)).mark('my-token')
                _item('Sign out', sign_out).mark('sign-out')
