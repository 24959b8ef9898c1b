"""Admins manage people: add local accounts, change roles, disable, reset passwords, remove."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from .. import format as fmt
from ..auth import authenticate, login_redirect, require_actor
from ..components import frame
from ..components.limits_dialog import limits_summary, open_limits_dialog
from ..components.token_dialog import open_token_dialog, token_status
from ..errors import AodUiError
from ..services import ROLES, is_admin
from ..system import System
from ..upstream import parse_time
from ._page import page

__all__ = ['register']


def register(system: System) -> None:
    @page(system, '/people')
    async def people_page(request: Request) -> RedirectResponse | None:
        actor = await authenticate(system, request)
        if actor is None:
            return login_redirect(request)
        with frame(system, 'People', actor):
            ui.label('People').classes('text-2xl font-semibold')
            if not is_admin(actor):
                ui.label('Only admins may manage people.').classes('text-negative').mark('refused')
                return None

            async def act(call, done: str) -> None:
                try:
                    await call(require_actor(system))
                except AodUiError as error:
                    ui.notify(str(error), type='negative', multi_line=True)
                    return
                ui.notify(done, type='positive')
                people_list.refresh()

            @ui.refreshable
            def people_list() -> None:
                with ui.column().classes('w-full gap-2'):
                    for person in system.people.everyone():
                        with ui.card().classes('w-full').props('flat bordered').mark(f'person-{person.username}'):
                            with ui.row().classes('w-full items-center gap-3 flex-wrap'):
                                with ui.column().classes('gap-0 flex-1 min-w-48'):
                                    ui.label(person.display_name or person.username).classes('font-medium')
                                    last = fmt.relative_time(parse_time(person.last_login_at)) \
                                        if person.last_login_at else 'never'
                                    ui.label(f'{person.username} · {person.auth_source} · last sign-in {last}') \
                                        .classes('text-xs opacity-70')
                                    if person.identity:
                                        ui.label(f'subject {person.oidc_subject} at {person.oidc_issuer}') \
                                            .classes('text-xs opacity-70 break-all').mark(f'identity-{person.username}')
                                    if system.tokens is not None and system.tokens.enabled:
                                        ui.label(token_status(system, person.username)).classes('text-xs') \
                                            .mark(f'token-{person.username}')
                                    ui.label(limits_summary(system, person.username, person.role)) \
                                        .classes('text-xs opacity-70').mark(f'limits-{person.username}')
                                if person.disabled:
                                    ui.badge('disabled', color='grey-7')
                                role = ui.select(list(ROLES), value=person.role, label='Role') \
                                    .props('dense outlined').classes('w-32').mark(f'role-{person.username}')
                                role.on_value_change(lambda e, name=person.username: act(
                                    lambda a: system.people.set_role(a, name, e.value), f'{name} is now {e.value}.'))
                                ui.button('Enable' if person.disabled else 'Disable',
                                          on_click=lambda name=person.username, off=not person.disabled: act(
                                              lambda a: system.people.set_disabled(a, name, off),
                                              f'{name} {"disabled" if off else "enabled"}.')) \
                                    .props('flat dense').mark(f'toggle-{person.username}')
                                if person.auth_source == 'local':
                                    ui.button('Password', on_click=lambda name=person.username: ask_password(name)) \
                                        .props('flat dense').mark(f'password-{person.username}')
                                if system.settings.auth == 'oidc':
                                    ui.button('Link', icon='link',
                                              on_click=lambda name=person.username: ask_link(name)) \
                                        .props('flat dense no-caps').tooltip('Link to an identity of the provider') \
                                        .mark(f'link-{person.username}')
                                if system.tokens is not None and system.tokens.enabled:
                                    ui.button('AoD token', icon='key', on_click=lambda name=person.username:
                                              open_token_dialog(system, name, people_list.refresh)) \
                                        .props('flat dense no-caps').mark(f'set-token-{person.username}')
                                ui.button('Limits', icon='speed', on_click=lambda name=person.username:
                                          open_limits_dialog(system, name, people_list.refresh)) \
                                    .props('flat dense no-caps').mark(f'set-limits-{person.username}')
                                ui.button(icon='delete', on_click=lambda name=person.username: act(
                                    lambda a: system.people.remove(a, name), f'{name} removed.')) \
                                    .props('flat dense round color=negative').tooltip('Remove') \
                                    .mark(f'remove-{person.username}')

            async def ask_password(name: str) -> None:
                with ui.dialog() as dialog, ui.card().classes('gap-2 w-96'):
                    ui.label(f'New password for {name}').classes('font-semibold')
                    field = ui.input('Password', password=True).props('outlined').classes('w-full') \
                        .mark('new-password')
                    with ui.row().classes('w-full justify-end'):
                        ui.button('Cancel', on_click=lambda: dialog.submit(None)).props('flat')
                        ui.button('Set', on_click=lambda: dialog.submit(field.value)).mark('set-password')
                value = await dialog
                dialog.delete()
                if value:
                    await act(lambda a: system.people.set_password(a, name, value), f'Password of {name} set.')

            async def ask_link(name: str) -> None:
                with ui.dialog() as dialog, ui.card().classes('gap-2 w-[32rem] max-w-[92vw]'):
                    ui.label(f'Link {name} to an identity of the provider').classes('font-semibold')
                    ui.label('From now on that identity signs in to this account, and nobody else: its password (if '
                             'any) stops working and its open sign-ins end. A refused sign-in shows the person '
                             'their subject, and the audit trail names it.').classes('text-sm opacity-80')
                    subject = ui.input('Subject (sub)').props('outlined').classes('w-full').mark('link-subject')
                    issuer = ui.input('Issuer', value=system.settings.oidc_issuer).props('outlined') \
                        .classes('w-full').mark('link-issuer')
                    with ui.row().classes('w-full justify-end'):
                        ui.button('Cancel', on_click=lambda: dialog.submit(None)).props('flat')
                        ui.button('Link', on_click=lambda: dialog.submit((issuer.value, subject.value))) \
                            .mark('link-confirm')
                value = await dialog
                dialog.delete()
                if value:
                    await act(lambda a: system.people.link(a, name, value[0] or '', value[1] or ''),
                              f'{name} is linked to subject {value[1]}.')

            with ui.expansion('Add a person', icon='person_add').classes('w-full').props('bordered') \
                    .mark('add-person'), ui.row().classes('w-full items-end gap-2 flex-wrap'):
                username = ui.input('Username').props('outlined dense').mark('new-username')
                display = ui.input('Name').props('outlined dense').mark('new-name')
                email = ui.input('Email').props('outlined dense').mark('new-email')
                role = ui.select(list(ROLES), value='member', label='Role').props('outlined dense') \
                        .classes('w-32').mark('new-role')
                password = ui.input('Password', password=True).props('outlined dense').mark('new-password')

                async def add() -> None:
                    await act(lambda a: system.people.add_local(
                        a, username.value or '', password.value or '', role.value,
                        display_name=display.value or '', email=email.value or ''),
                        f'{username.value} added.')
                    username.value = display.value = email.value = password.value = ''
                ui.button('Add', icon='add', on_click=add).mark('add')
            if system.settings.auth == 'oidc':
                ui.label('People who sign in through the identity provider appear here after their first sign-in, '
                         'bound to their identity there; their role follows the provider\'s groups at each sign-in '
                         'and while they stay signed in. A provider sign-in never opens an account it is not linked '
                         'to: use Link for that.').classes('text-sm opacity-70')
            people_list()
        return None
