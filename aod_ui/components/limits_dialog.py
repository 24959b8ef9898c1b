"""People's fair-share dialog: one person's own limit of active sessions and monthly budget (blank: the team's
setting, 0: none), and the allowance to launch past the budget for the rest of the month."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from ..auth import require_actor
from ..errors import AodUiError
from ..system import System

__all__ = ['limits_summary', 'open_limits_dialog']


def limits_summary(system: System, username: str, role: str) -> str:
    """'3 active sessions · $10.00 a month' as it applies to the person now."""
    share = system.sessions.fair_share
    limit, budget = share.limit_for(username, role), share.budget_for(username)
    text = f'{limit} active at once' if limit else 'no limit on active sessions'
    text += f' · ${budget:.2f} a month' if budget else ' · no budget'
    if share.allowed_over_budget(username):
        text += ' · allowed past budget this month'
    return text


async def open_limits_dialog(system: System, username: str, on_done: Callable[[], None] | None = None) -> None:
    share = system.sessions.fair_share
    user = system.store.users.get(username)
    extra = user.extra if user is not None else {}
    with ui.dialog() as dialog, ui.card().classes('gap-2 w-[28rem] max-w-full'):
        ui.label(f'Fair share of {username}').classes('font-semibold')
        ui.label('Blank: the team\'s setting. 0: none.').classes('text-sm opacity-70')
        limit = ui.number('Active sessions at once', value=extra.get('active_limit'), min=0, precision=0) \
            .props('outlined clearable').classes('w-full').mark('limit-active')
        budget = ui.number('Monthly budget (USD)', value=extra.get('monthly_budget_usd'), min=0, precision=2) \
            .props('outlined clearable').classes('w-full').mark('limit-budget')
        allowed = ui.checkbox(f'Allow launches past the budget for the rest of {share.month()}',
                              value=share.allowed_over_budget(username)).mark('limit-allow')
        problem = ui.label().classes('text-negative text-sm')
        problem.set_visibility(False)
        with ui.row().classes('w-full justify-end'):
            ui.button('Cancel', on_click=lambda: dialog.submit(False)).props('flat')
            save = ui.button('Save').mark('limit-save')

        async def submit() -> None:
            try:
                actor = require_actor(system)
                await share.set_person(actor, username,
                                       active_limit=None if limit.value is None else int(limit.value),
                                       monthly_budget_usd=None if budget.value is None else float(budget.value))
                if bool(allowed.value) != share.allowed_over_budget(username):
                    await share.allow_over_budget(actor, username, bool(allowed.value))
            except AodUiError as error:
                problem.text = str(error)
                problem.set_visibility(True)
                return
            dialog.submit(True)
        save.on_click(submit)
    saved = await dialog
    dialog.delete()
    if saved:
        ui.notify(f'Limits of {username} saved.', type='positive')
        if on_done is not None:
            on_done()
