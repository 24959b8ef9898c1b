"""Signing in and out: a password form (local accounts), a button to the identity provider (OpenID Connect), or
word that sign-in happens at the proxy (trusted header)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from .. import theme
from ..auth import authenticate, current_actor, safe_next, sign_in, sign_out
from ..errors import AodUiError
from ..system import System
from ._page import page

__all__ = ['register']


def register(system: System) -> None:
    settings = system.settings

    @page(system, '/login')
    async def login_page(request: Request, next: str = '/') -> RedirectResponse | None:
        target = safe_next(next)
        if await authenticate(system, request) is not None:
            return RedirectResponse(target, status_code=303)
        ui.page_title(f'Sign in · {settings.title}')
        ui.colors(primary=theme.PRIMARY)
        ui.dark_mode(None)
        # a refused provider sign-in leaves its message in the signed cookie (nothing stored for the browser)
        error = str(request.session.pop('login_error', '') or app.storage.user.pop('login_error', ''))
        with ui.column().classes('absolute-center items-center gap-4 w-96 max-w-[92vw]'):
            ui.label(settings.title).classes('text-2xl font-semibold text-primary')
            with ui.card().classes('w-full gap-3 p-6'):
                problem = ui.label(error).classes('text-negative').mark('login-error')
                problem.set_visibility(bool(error))
                if settings.auth == 'oidc':
                    ui.label('Sign in with your organisation account.').classes('text-sm opacity-80')
                    ui.button('Sign in', icon='login',
                              on_click=lambda: ui.navigate.to(f'/auth/oidc/login?next={target}')) \
                        .classes('w-full').mark('oidc-login')
                elif settings.auth == 'header':
                    ui.label('Sign-in happens at your organisation\'s sign-in proxy, and this request did not come '
                             'through it (or it named nobody). Open the dashboard through its usual address.') \
                        .classes('text-sm')
                else:
                    username = ui.input('Username').props('outlined autofocus autocomplete=username') \
                        .classes('w-full').mark('username')
                    password = ui.input('Password', password=True, password_toggle_button=True) \
                        .props('outlined autocomplete=current-password').classes('w-full').mark('password')

                    async def submit() -> None:
                        address = request.client.host if request.client else ''
                        try:
                            actor = await system.people.login_local(username.value or '', password.value or '',
                                                                    address)
                        except AodUiError as refusal:
                            problem.text = str(refusal)
                            problem.set_visibility(True)
                            password.value = ''
                            return
                        sign_in(actor)
                        ui.navigate.to(target)
                    password.on('keydown.enter', submit)
                    ui.button('Sign in', icon='login', on_click=submit).classes('w-full').mark('sign-in')
            if request.url.scheme == 'http' and settings.cookies_secure:
                ui.label('This page came over plain HTTP, but the sign-in cookie is sent over HTTPS only, so signing '
                         'in will not stick. Serve the dashboard over HTTPS (or set AOD_UI_SECURE_COOKIES=false on a '
                         'trusted network).').classes('text-sm text-amber-10 bg-amber-1 rounded p-2') \
                    .mark('cookie-warning')
            if system.demo_accounts:
                with ui.card().classes('w-full gap-1 bg-amber-1 text-amber-10').mark('demo-accounts'):
                    ui.label('Demo only — these accounts exist because no AoD server is configured:') \
                        .classes('text-sm font-semibold')
                    for name, secret, role in system.demo_accounts:
                        ui.label(f'{role}: {name} / {secret}').classes('font-mono text-sm').mark('demo-account')
        return None

    @app.get('/logout', include_in_schema=False)
    async def logout(request: Request) -> RedirectResponse:
        actor = current_actor(system)
        sign_out()
        if actor is not None:
            await system.people.logout(actor)
            if system.end_session_url is not None:
                url = await system.end_session_url(request, actor.username)
                if url:
                    return RedirectResponse(url, status_code=303)
        return RedirectResponse('/login', status_code=303)
