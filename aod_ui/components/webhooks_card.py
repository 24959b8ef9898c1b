"""Operations' webhooks: the team's hooks (admins add and remove them, and send a test), and the delivery log."""

from __future__ import annotations

from datetime import UTC, datetime

from nicegui import ui

from .. import theme
from ..errors import AodUiError
from ..services import Webhook
from ..services._webhooks import KINDS
from ..system import System
from .page_guard import PageGuard

__all__ = ['webhooks_card']

LOG_COLUMNS = [
    {'name': 'at', 'label': 'When (UTC)', 'field': 'at', 'align': 'left'},
    {'name': 'host', 'label': 'Receiver', 'field': 'host', 'align': 'left', **theme.PHONE_HIDDEN},
    {'name': 'event', 'label': 'Event', 'field': 'event', 'align': 'left'},
    {'name': 'outcome', 'label': 'Outcome', 'field': 'outcome', 'align': 'left'},
    {'name': 'attempts', 'label': 'Attempts', 'field': 'attempts', 'align': 'left', **theme.PHONE_HIDDEN},
]


def webhooks_card(system: System, guard: PageGuard) -> None:
    hooks = system.webhooks

    def actor():
        return guard.presence.actor

    with ui.card().classes('w-full gap-2').mark('webhooks'):
        ui.label('Webhooks').classes('font-semibold')
        ui.label('Sent when a session is launched, finishes, fails or is stopped (private sessions only when their '
                 'owner announces them). JSON deliveries are signed: X-AoD-Signature is sha256= the HMAC-SHA256 of '
                 '"<X-AoD-Timestamp>.<body>" with the hook\'s secret.').classes('text-xs opacity-70')

        @ui.refreshable
        def listing() -> None:
            for hook in hooks.hooks(actor()):
                _hook_row(hook)
            rows = [{**entry, 'at': datetime.fromtimestamp(entry['at'], UTC).strftime('%m-%d %H:%M:%S'),
                     'attempts': ', '.join(entry['attempts'])} for entry in hooks.log(actor())[:20]]
            ui.table(columns=LOG_COLUMNS, rows=rows, row_key='delivery').props('dense flat') \
                .classes('w-full').mark('webhook-log')

        def _hook_row(hook: Webhook) -> None:
            with ui.row().classes('w-full items-center gap-2').mark(f'hook-{hook.id}'):
                ui.label(f'{hook.kind} → {hook.url.split("/")[2]}').classes('font-mono text-sm flex-1 break-all')
                ui.label(', '.join(hook.events)).classes('text-xs opacity-70')
                ui.button('Send test', icon='send', on_click=lambda h=hook: send_test(h)) \
                    .props('flat dense no-caps').mark(f'hook-test-{hook.id}')
                ui.button(icon='delete', on_click=lambda h=hook: remove(h)) \
                    .props('flat dense round aria-label="Remove"').tooltip('Remove').mark(f'hook-remove-{hook.id}')

        async def send_test(hook: Webhook) -> None:
            try:
                entry = await hooks.send_test(actor(), hook.id)
            except AodUiError as error:
                ui.notify(str(error), type='negative')
                return
            ui.notify(f'Test {entry["outcome"]} ({", ".join(entry["attempts"])}).',
                      type='positive' if entry['outcome'] == 'delivered' else 'warning')
            listing.refresh()

        async def remove(hook: Webhook) -> None:
            try:
                await hooks.remove(actor(), hook.id)
            except AodUiError as error:
                ui.notify(str(error), type='negative')
                return
            listing.refresh()

        with ui.row().classes('w-full items-end gap-2 flex-wrap'):
            url = ui.input('Receiver address', placeholder='https://hooks.slack.com/services/…') \
                .props('outlined dense').classes('flex-1 min-w-64').mark('hook-url')
            kind = ui.select({'slack': 'Slack', 'json': 'Signed JSON'}, value='slack', label='Shape') \
                .props('outlined dense').classes('w-36').mark('hook-kind')
            events = ui.select(list(KINDS), value=list(KINDS), multiple=True, label='Events') \
                .props('outlined dense use-chips').classes('min-w-64').mark('hook-events')

            async def add() -> None:
                try:
                    hook = await hooks.add(actor(), url.value or '', kind.value, tuple(events.value or ()))
                except AodUiError as error:
                    ui.notify(str(error), type='negative')
                    return
                url.value = ''
                listing.refresh()
                with ui.dialog() as dialog, ui.card().classes('gap-2 w-[32rem] max-w-full'):
                    ui.label('Webhook added').classes('font-semibold')
                    ui.label('Its signing secret, shown this once (give it to the receiver):').classes('text-sm')
                    ui.label(hook.secret).classes('font-mono text-sm break-all').mark('hook-secret')
                    ui.button('Done', on_click=dialog.close)
                dialog.open()
            ui.button('Add', icon='add', on_click=add).mark('hook-add')
        listing()
