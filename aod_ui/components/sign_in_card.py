"""The sign-in page's card: a password form (local accounts), a button to the identity provider (OpenID Connect),
or word that sign-in happens at the proxy (trusted header)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from nicegui import ui

from ..auth import SignInTickets, client_address
from ..errors import AodUiError
from ..system import System

__all__ = ['SignInCard']


class SignInCard(ui.card):
    """The password is checked over the page's websocket; the sign-in itself happens in the HTTP request to
    `/auth/finish` that follows, with a one-time ticket bound to this browser (`tickets`)."""

    def __init__(self, system: System, request: Request, tickets: SignInTickets, target: str, error: str) -> None:
        super().__init__()
        self.system, self.request, self.tickets, self.target = system, request, tickets, target
        auth = system.settings.auth
        self.classes('w-full gap-3 p-6')
        with self:
            self.problem = ui.label(error).classes('text-negative').mark('login-error')
            self.problem.set_visibility(bool(error))
            if auth == 'oidc':
                ui.label('Sign in with your organisation account.').classes('text-sm opacity-80')
                ui.button('Sign in', icon='login',
                          on_click=lambda: ui.navigate.to(f'/auth/oidc/login?{urlencode({"next": target})}')) \
                    .classes('w-full').mark('oidc-login')
            elif auth == 'header':
                ui.label('Sign-in happens at your organisation\'s sign-in proxy, and this request did not come '
                         'through it (or it named nobody). Open the dashboard through its usual address.') \
                    .classes('text-sm')
            else:
                self.username = ui.input('Username').props('outlined autofocus autocomplete=username') \
                    .classes('w-full').mark('username')
                self.password = ui.input('Password', password=True, password_toggle_button=True) \
                    .props('outlined autocomplete=current-password').classes('w-full').mark('password')
                self.password.on('keydown.enter', self.submit)
                ui.button('Sign in', icon='login', on_click=self.submit).classes('w-full').mark('sign-in')

    async def submit(self) -> None:
        try:
            actor = await self.system.people.login_local(self.username.value or '', self.password.value or '',
                                                         client_address(self.request.scope))
        except AodUiError as refusal:
            self.problem.text = str(refusal)
            self.problem.set_visibility(True)
            self.password.value = ''
            return
        ticket = self.tickets.issue(self.request.session['id'], actor.username)
        ui.navigate.to(f'/auth/finish?{urlencode({"ticket": ticket, "next": self.target})}')
