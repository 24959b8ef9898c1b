"""Signing in: a password form (local accounts), a button to the identity provider (OpenID Connect), or word that
sign-in happens at the proxy (trusted header).

The password is checked over the page's websocket; the sign-in itself happens in the HTTP request to
`/auth/finish` that follows, which gives the browser a fresh id (see `auth.sign_in`). Signing out is an action of
the page's own websocket (the account menu), never a link another site could open."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from .. import theme
from ..auth import SignInTickets, authenticate, safe_next, sign_in
from ..components.page_style import page_style
from ..components.sign_in_card import SignInCard
from ..system import System
from ._page import route

__all__ = ['register']


def register(system: System) -> None:
    settings = system.settings
    tickets = SignInTickets()

    @route(system, '/login')
    async def login_page(request: Request, next: str = '/') -> RedirectResponse | None:
        target = safe_next(next)
        if await authenticate(system, request) is not None:
            return RedirectResponse(target, status_code=303)
        ui.page_title(f'Sign in · {settings.title}')
        page_style()
        ui.dark_mode(None)
        # a refused provider sign-in leaves its message in the signed cookie (nothing stored for the browser)
        error = str(request.session.pop('login_error', '') or app.storage.user.pop('login_error', ''))
        with ui.column().classes('absolute-center items-center gap-4 w-96 max-w-[92vw]'):
            ui.label(settings.title).classes('text-2xl font-semibold text-primary')
            SignInCard(system, request, tickets, target, error)
            if request.url.scheme == 'http' and settings.cookies_secure:
                ui.label('This page came over plain HTTP, but the sign-in cookie is sent over HTTPS only, so signing '
                         'in will not stick. Serve the dashboard over HTTPS (or set AOD_UI_SECURE_COOKIES=false on a '
                         'trusted network).').classes(f'text-sm {theme.NOTICE} rounded p-2') \
                    .mark('cookie-warning')
            if system.demo_accounts:
                with ui.card().classes(f'w-full gap-1 {theme.NOTICE}').mark('demo-accounts'):
                    ui.label('Demo only — these accounts exist because no AoD server is configured:') \
                        .classes('text-sm font-semibold')
                    for name, secret, role in system.demo_accounts:
                        ui.label(f'{role}: {name} / {secret}').classes('font-mono text-sm').mark('demo-account')
        return None

    @app.get('/auth/finish', include_in_schema=False)
    async def finish(request: Request, ticket: str = '', next: str = '/') -> RedirectResponse:
        """Complete a password sign-in: the ticket must come from this browser, once, within a minute."""
        username = tickets.redeem(ticket, request.session.get('id', ''))
        actor = system.people.actor(username) if username else None
        if actor is None:
            request.session['login_error'] = 'Signing in did not complete. Sign in again.'
            return RedirectResponse(f'/login?{urlencode({"next": safe_next(next)})}', status_code=303)
        sign_in(actor)
        return RedirectResponse(safe_next(next), status_code=303)
