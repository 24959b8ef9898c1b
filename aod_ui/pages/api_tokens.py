"""Tokens: people make and revoke their own personal access tokens for the HTTP API; admins see and revoke
everyone's. A new token is shown once, in a dialog, and never again."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from storage import SCOPES

from .. import format as fmt
from ..auth import authenticate, login_redirect, require_actor
from ..components import frame
from ..errors import AodUiError
from ..services import is_admin
from ..system import System
from ._page import page

__all__ = ['register']

SCOPE_HELP = {'read': 'list, read, follow and download sessions', 'launch': 'start sessions and send follow-ups',
              'manage': 'stop and delete sessions'}


def _when(moment: float | None, never: str) -> str:
    return fmt.relative_time(datetime.fromtimestamp(moment, UTC)) if moment else never


def _day(moment: float | None) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime('%Y-%m-%d') if moment else 'never'


def register(system: System) -> None:
    @page(system, '/tokens')
    async def tokens_page(request: Request) -> RedirectResponse | None:
        actor = await authenticate(system, request)
        if actor is None:
            return login_redirect(request)
        tokens = system.api_tokens
        with frame(system, 'API tokens', actor):
            ui.label('API tokens').classes('text-2xl font-semibold')
            with ui.row().classes('items-center gap-1 text-sm opacity-80'):
                ui.label('Scripts and CI use the dashboard through its HTTP API with a personal access token, '
                         'which acts with your role as it is at each request. See')
                ui.link('the API reference', '/api/docs', new_tab=True)
                ui.label('.')

            async def act(call, done: str) -> None:
                try:
                    await call(require_actor(system))
                except AodUiError as error:
                    ui.notify(str(error), type='negative', multi_line=True)
                    return
                ui.notify(done, type='positive')
                lists.refresh()

            with ui.card().classes('w-full').props('flat bordered'), \
                    ui.row().classes('w-full items-end gap-3 flex-wrap'):
                name = ui.input('Name', placeholder='nightly CI').props('outlined dense').mark('token-name')
                scopes = {scope: ui.checkbox(scope, value=scope == 'read').tooltip(SCOPE_HELP[scope])
                          .mark(f'token-scope-{scope}') for scope in SCOPES}
                choices = [d for d in (7, 30, 90, 365) if d <= tokens.max_days] or [int(tokens.max_days)]
                days = ui.select({d: f'{d} days' for d in choices}, value=choices[min(1, len(choices) - 1)],
                                 label='Lasts').props('outlined dense').classes('w-32').mark('token-days')

                async def create() -> None:
                    try:
                        token, secret = await tokens.create(require_actor(system), name.value or '',
                                                            [s for s, box in scopes.items() if box.value],
                                                            float(days.value))
                    except AodUiError as error:
                        ui.notify(str(error), type='negative', multi_line=True)
                        return
                    name.value = ''
                    lists.refresh()
                    show_once(token.name, secret)
                ui.button('Create token', icon='add', on_click=create).mark('token-create')

            def show_once(label: str, secret: str) -> None:
                with ui.dialog() as dialog, ui.card().classes('gap-2 w-[36rem] max-w-[92vw]'):
                    ui.label(f'Token "{label}"').classes('font-semibold')
                    ui.label('Copy it now: it is shown only this once, and the dashboard keeps only a fingerprint '
                             'of it.').classes('text-sm')
                    ui.input(value=secret).props('readonly outlined dense').classes('w-full font-mono') \
                        .mark('token-secret')
                    with ui.row().classes('w-full justify-end'):
                        ui.button('Copy', icon='content_copy', on_click=lambda: ui.clipboard.write(secret)) \
                            .props('flat')
                        ui.button('Done', on_click=lambda: (dialog.close(), dialog.delete())).mark('token-done')
                dialog.open()

            @ui.refreshable
            def lists() -> None:
                now = tokens.clock()
                sections = [('Your tokens', tokens.mine(actor), False)]
                if is_admin(actor):
                    sections.append(("Everyone's tokens", tokens.everyone(actor), True))
                for title, shown, owners in sections:
                    ui.label(title).classes('text-lg font-medium mt-4')
                    if not shown:
                        ui.label('None yet.').classes('text-sm opacity-70')
                    for token in shown:
                        prefix = 'all' if owners else 'mine'
                        with ui.card().classes('w-full').props('flat bordered').mark(f'{prefix}-token-{token.name}'), \
                                ui.row().classes('w-full items-center gap-3 flex-wrap'):
                            with ui.column().classes('gap-0 flex-1 min-w-48'):
                                ui.label(f'{token.name}' + (f' · {token.owner}' if owners else '')) \
                                    .classes('font-medium')
                                ui.label(f'{token.prefix} · {", ".join(token.scopes)} · made '
                                         f'{_when(token.created_at, "")} · last used '
                                         f'{_when(token.last_used_at, "never")}').classes('text-xs opacity-70')
                            if token.revoked_at is not None:
                                ui.badge(f'revoked by {token.revoked_by}', color='grey-7')
                            elif token.expires_at is not None and now >= token.expires_at:
                                ui.badge('expired', color='grey-7')
                            else:
                                ui.label(f'expires {_day(token.expires_at)}').classes('text-xs')
                                ui.button('Revoke', icon='block', on_click=lambda t=token: act(
                                    lambda a: tokens.revoke(a, t.id), f'Token {t.name} revoked.')) \
                                    .props('flat dense no-caps color=negative').mark(f'revoke-{prefix}-{token.name}')
            lists()
        return None
