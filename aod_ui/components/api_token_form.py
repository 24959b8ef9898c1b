"""The Tokens page's form for a new personal access token, and the dialog that shows it once."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from ..auth import require_actor
from ..errors import AodUiError
from ..services import TOKEN_SCOPES
from ..system import System

__all__ = ['ApiTokenForm']

SCOPE_HELP = {'read': 'list, read, follow and download sessions', 'launch': 'start sessions and send follow-ups',
              'manage': 'stop and delete sessions'}


class ApiTokenForm(ui.card):
    """Makes a token for the person acting now and shows its secret once; `on_made` runs after."""

    def __init__(self, system: System, on_made: Callable[[], None]) -> None:
        super().__init__()
        self.system = system
        self.on_made = on_made
        max_days = system.api_tokens.max_days
        self.classes('w-full').props('flat bordered')
        with self, ui.row().classes('w-full items-end gap-3 flex-wrap'):
            self.name = ui.input('Name', placeholder='nightly CI').props('outlined dense').mark('token-name')
            self.scopes = {scope: ui.checkbox(scope, value=scope == 'read').tooltip(SCOPE_HELP[scope])
                           .mark(f'token-scope-{scope}') for scope in TOKEN_SCOPES}
            choices = [d for d in (7, 30, 90, 365) if d <= max_days] or [int(max_days)]
            self.days = ui.select({d: f'{d} days' for d in choices}, value=choices[min(1, len(choices) - 1)],
                                  label='Lasts').props('outlined dense').classes('w-32').mark('token-days')
            ui.button('Create token', icon='add', on_click=self.create).mark('token-create')

    async def create(self) -> None:
        try:
            token, secret = await self.system.api_tokens.create(
                require_actor(self.system), self.name.value or '',
                [s for s, box in self.scopes.items() if box.value], float(self.days.value))
        except AodUiError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            return
        self.name.value = ''
        self.on_made()
        _show_once(token.name, secret)


def _show_once(label: str, secret: str) -> None:
    with ui.dialog() as dialog, ui.card().classes('gap-2 w-[36rem] max-w-[92vw]'):
        ui.label(f'Token "{label}"').classes('font-semibold')
        ui.label('Copy it now: it is shown only this once, and the dashboard keeps only a fingerprint of it.') \
            .classes('text-sm')
        ui.input(value=secret).props('readonly outlined dense').classes('w-full font-mono').mark('token-secret')
        with ui.row().classes('w-full justify-end'):
            ui.button('Copy', icon='content_copy', on_click=lambda: ui.clipboard.write(secret)).props('flat')
            ui.button('Done', on_click=lambda: (dialog.close(), dialog.delete())).mark('token-done')
    dialog.open()
