"""Set or remove a person's own AoD token (per-user token mode). The token is checked against AoD first and never
shown again: only its first characters."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from .. import format as fmt
from ..auth import require_actor
from ..errors import AodUiError
from ..system import System

__all__ = ['open_token_dialog', 'token_status']


def token_status(system: System, username: str) -> str:
    info = system.tokens.info(username) if system.tokens is not None else None
    if info is None:
        return 'no AoD token'
    when = fmt.relative_epoch(info.set_at)
    return f'token {info.prefix} set {when}' + (' · BROKEN: ' + info.broken_reason if info.broken else '')


async def open_token_dialog(system: System, username: str, on_done: Callable[[], None] | None = None) -> None:
    with ui.dialog() as dialog, ui.card().classes('gap-2 w-[28rem] max-w-full'):
        ui.label(f'AoD token of {username}').classes('font-semibold')
        ui.label(token_status(system, username)).classes('text-sm opacity-70')
        field = ui.input('New token (aod_…)', password=True).props('outlined autocomplete=off').classes('w-full') \
            .mark('token-input')
        problem = ui.label().classes('text-negative text-sm')
        problem.set_visibility(False)
        with ui.row().classes('w-full justify-end'):
            remove = ui.button('Remove', on_click=lambda: dialog.submit('remove')).props('flat color=negative')
            remove.set_visibility(system.tokens.info(username) is not None)
            ui.button('Cancel', on_click=lambda: dialog.submit(None)).props('flat')
            save = ui.button('Check and save').mark('token-save')

        async def submit() -> None:
            save.props('loading')
            try:
                info = await system.tokens.set(require_actor(system), username, field.value or '')
            except AodUiError as error:
                problem.text = str(error)
                problem.set_visibility(True)
                return
            finally:
                save.props(remove='loading')
                field.value = ''
            ui.notify(f'Token {info.prefix} saved for {username}.', type='positive')
            dialog.submit('saved')
        save.on_click(submit)
    result = await dialog
    dialog.delete()
    if result == 'remove':
        try:
            await system.tokens.remove(require_actor(system), username)
        except AodUiError as error:
            ui.notify(str(error), type='negative')
            return
        ui.notify(f'Token of {username} removed.', type='info')
    if result and on_done is not None:
        on_done()
