"""The People page's questions: a new password, and the provider identity to link an account to."""

from __future__ import annotations

from nicegui import ui

__all__ = ['ask_link', 'ask_password']


async def ask_password(name: str) -> str | None:
    with ui.dialog() as dialog, ui.card().classes('gap-2 w-96'):
        ui.label(f'New password for {name}').classes('font-semibold')
        field = ui.input('Password', password=True).props('outlined').classes('w-full').mark('new-password')
        with ui.row().classes('w-full justify-end'):
            ui.button('Cancel', on_click=lambda: dialog.submit(None)).props('flat')
            ui.button('Set', on_click=lambda: dialog.submit(field.value)).mark('set-password')
    value = await dialog
    dialog.delete()
    return value or None


async def ask_link(name: str, issuer: str) -> tuple[str, str] | None:
    """(issuer, subject) to link `name` to, or None."""
    with ui.dialog() as dialog, ui.card().classes('gap-2 w-[32rem] max-w-[92vw]'):
        ui.label(f'Link {name} to an identity of the provider').classes('font-semibold')
        ui.label('From now on that identity signs in to this account, and nobody else: its password (if any) stops '
                 'working and its open sign-ins end. A refused sign-in shows the person their subject, and the audit '
                 'trail names it.').classes('text-sm opacity-80')
        subject = ui.input('Subject (sub)').props('outlined').classes('w-full').mark('link-subject')
        issuer_input = ui.input('Issuer', value=issuer).props('outlined').classes('w-full').mark('link-issuer')
        with ui.row().classes('w-full justify-end'):
            ui.button('Cancel', on_click=lambda: dialog.submit(None)).props('flat')
            ui.button('Link', on_click=lambda: dialog.submit((issuer_input.value or '', subject.value or ''))) \
                .mark('link-confirm')
    value = await dialog
    dialog.delete()
    return value or None
