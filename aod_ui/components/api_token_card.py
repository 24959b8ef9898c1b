"""One personal access token on the Tokens page: its name, scopes, use and end, and a button to revoke it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nicegui import ui

from .. import format as fmt
from .person_card import Act

__all__ = ['ApiTokenCard']


def _day(moment: float | None) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime('%Y-%m-%d') if moment else 'never'


class ApiTokenCard(ui.card):
    """`owners`: the card is in the admins' list of everyone's tokens (it names the owner)."""

    def __init__(self, token: Any, *, owners: bool, now: float, act: Act, revoke: Any) -> None:
        super().__init__()
        prefix = 'all' if owners else 'mine'
        self.classes('w-full').props('flat bordered').mark(f'{prefix}-token-{token.name}')
        with self, ui.row().classes('w-full items-center gap-3 flex-wrap'):
            with ui.column().classes('gap-0 flex-1 min-w-48'):
                ui.label(f'{token.name}' + (f' · {token.owner}' if owners else '')).classes('font-medium')
                ui.label(f'{token.prefix} · {", ".join(token.scopes)} · made '
                         f'{fmt.relative_epoch(token.created_at or None, "")} · last used '
                         f'{fmt.relative_epoch(token.last_used_at or None)}').classes('text-xs opacity-70')
            if token.revoked_at is not None:
                ui.badge(f'revoked by {token.revoked_by}', color='grey-7')
            elif token.expires_at is not None and now >= token.expires_at:
                ui.badge('expired', color='grey-7')
            else:
                ui.label(f'expires {_day(token.expires_at)}').classes('text-xs')
                ui.button('Revoke', icon='block', on_click=lambda: act(
                    lambda a: revoke(a, token.id), f'Token {token.name} revoked.')) \
                    .props('flat dense no-caps color=negative').mark(f'revoke-{prefix}-{token.name}')
