"""Tokens: people make and revoke their own personal access tokens for the HTTP API; admins see and revoke
everyone's. A new token is shown once, in a dialog, and never again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from ..auth import require_actor
from ..components.api_token_card import ApiTokenCard
from ..components.api_token_form import ApiTokenForm
from ..errors import AodUiError
from ..services import Actor, is_admin
from ..system import System
from ._page import View, page

__all__ = ['register']


def register(system: System) -> None:
    @page(system, '/tokens', 'API tokens', heading=True)
    async def tokens_page(view: View) -> None:
        tokens = system.api_tokens
        with ui.row().classes('items-center gap-1 text-sm opacity-80'):
            ui.label('Scripts and CI use the dashboard through its HTTP API with a personal access token, which '
                     'acts with your role as it is at each request. See')
            ui.link('the API reference', '/api/docs', new_tab=True)
            ui.label('.')

        async def act(call: Callable[[Actor], Awaitable[Any]], done: str) -> None:
            try:
                await call(require_actor(system))
            except AodUiError as error:
                ui.notify(str(error), type='negative', multi_line=True)
                return
            ui.notify(done, type='positive')
            lists.refresh()

        @ui.refreshable
        def lists() -> None:
            sections = [('Your tokens', tokens.mine(view.actor), False)]
            if is_admin(view.actor):
                sections.append(("Everyone's tokens", tokens.everyone(view.actor), True))
            for title, shown, owners in sections:
                ui.label(title).classes('text-lg font-medium mt-4')
                if not shown:
                    ui.label('None yet.').classes('text-sm opacity-70')
                for token in shown:
                    ApiTokenCard(token, owners=owners, now=tokens.clock(), act=act, revoke=tokens.revoke)
        ApiTokenForm(system, lists.refresh)
        lists()
