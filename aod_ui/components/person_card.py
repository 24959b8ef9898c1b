"""One person on the People page: who they are, how they sign in, and what an admin may change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from .. import format as fmt
from ..services import ROLES, Actor
from ..system import System
from .limits_dialog import limits_summary, open_limits_dialog
from .people_dialogs import ask_link, ask_password
from .token_dialog import open_token_dialog, token_status

__all__ = ['Act', 'PersonCard']

Act = Callable[[Callable[[Actor], Awaitable[Any]], str], Awaitable[None]]
"""`act(call, done)`: run `call` as the person acting now, then say `done` (or the refusal) and show the change."""


class PersonCard(ui.card):
    def __init__(self, system: System, person: Any, act: Act, refresh: Callable[[], None]) -> None:
        super().__init__()
        name = person.username
        tokens = system.tokens is not None and system.tokens.enabled
        self.classes('w-full').props('flat bordered').mark(f'person-{name}')
        with self, ui.row().classes('w-full items-center gap-3 flex-wrap'):
            with ui.column().classes('gap-0 flex-1 min-w-48'):
                ui.label(person.display_name or name).classes('font-medium')
                ui.label(f'{name} · {person.auth_source} · last sign-in {fmt.relative_epoch(person.last_login_at)}') \
                    .classes('text-xs opacity-70')
                if person.identity:
                    ui.label(f'subject {person.oidc_subject} at {person.oidc_issuer}') \
                        .classes('text-xs opacity-70 break-all').mark(f'identity-{name}')
                if tokens:
                    ui.label(token_status(system, name)).classes('text-xs').mark(f'token-{name}')
                ui.label(limits_summary(system, name, person.role)).classes('text-xs opacity-70') \
                    .mark(f'limits-{name}')
            if person.disabled:
                ui.badge('disabled', color='grey-7')
            role = ui.select(list(ROLES), value=person.role, label='Role').props('dense outlined').classes('w-32') \
                .mark(f'role-{name}')
            role.on_value_change(lambda e: act(lambda a: system.people.set_role(a, name, e.value),
                                               f'{name} is now {e.value}.'))
            off = not person.disabled
            ui.button('Disable' if off else 'Enable', on_click=lambda: act(
                lambda a: system.people.set_disabled(a, name, off), f'{name} {"disabled" if off else "enabled"}.')) \
                .props('flat dense').mark(f'toggle-{name}')
            if person.auth_source == 'local':
                ui.button('Password', on_click=lambda: self._password(system, name, act)) \
                    .props('flat dense').mark(f'password-{name}')
            if system.settings.auth == 'oidc':
                ui.button('Link', icon='link', on_click=lambda: self._link(system, name, act)) \
                    .props('flat dense no-caps').tooltip('Link to an identity of the provider').mark(f'link-{name}')
            if tokens:
                ui.button('AoD token', icon='key', on_click=lambda: open_token_dialog(system, name, refresh)) \
                    .props('flat dense no-caps').mark(f'set-token-{name}')
            ui.button('Limits', icon='speed', on_click=lambda: open_limits_dialog(system, name, refresh)) \
                .props('flat dense no-caps').mark(f'set-limits-{name}')
            ui.button(icon='delete', on_click=lambda: act(lambda a: system.people.remove(a, name),
                                                          f'{name} removed.')) \
                .props('flat dense round color=negative aria-label="Remove"').tooltip('Remove').mark(f'remove-{name}')

    @staticmethod
    async def _password(system: System, name: str, act: Act) -> None:
        value = await ask_password(name)
        if value:
            await act(lambda a: system.people.set_password(a, name, value), f'Password of {name} set.')

    @staticmethod
    async def _link(system: System, name: str, act: Act) -> None:
        value = await ask_link(name, system.settings.oidc_issuer)
        if value:
            issuer, subject = value
            await act(lambda a: system.people.link(a, name, issuer, subject), f'{name} is linked to subject {subject}.')
