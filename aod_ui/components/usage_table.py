"""Operations' fair-share table: each person's active sessions against their limit, and this month's reported cost
against their budget."""

from __future__ import annotations

from nicegui import ui

from ..services import Usage

__all__ = ['usage_rows', 'usage_table']

COLUMNS = [
    {'name': 'person', 'label': 'Person', 'field': 'person', 'align': 'left', 'sortable': True},
    {'name': 'active', 'label': 'Active', 'field': 'active', 'align': 'right', 'sortable': True},
    {'name': 'cost', 'label': 'Cost this month', 'field': 'cost', 'align': 'right', 'sortable': True},
    {'name': 'state', 'label': '', 'field': 'state', 'align': 'left'},
]


def usage_rows(usages: list[Usage]) -> list[dict[str, str]]:
    """One row a person, busiest first."""
    rows = []
    for usage in sorted(usages, key=lambda u: (-u.active, -u.cost_usd, u.username)):
        budget = f' of ${usage.budget_usd:.2f}' if usage.budget_usd else ''
        unknown = f' (+{usage.costs_unknown} not read yet)' if usage.costs_unknown else ''
        state = 'at limit' if usage.full else 'budget spent' if usage.over_budget else \
            'allowed past budget' if usage.allowed_over_budget else \
            'near budget' if (usage.budget_share or 0) >= 0.8 else ''
        rows.append({'person': usage.username,
                     'active': f'{usage.active} of {usage.limit}' if usage.limit else str(usage.active),
                     'cost': f'${usage.cost_usd:.2f}{budget}{unknown}', 'state': state})
    return rows


def usage_table(usages: list[Usage]) -> ui.table:
    month = usages[0].month if usages else ''
    with ui.card().classes('w-full gap-1').mark('fair-share'):
        ui.label(f'Fair share ({month}, UTC)').classes('font-semibold')
        return ui.table(columns=COLUMNS, rows=usage_rows(usages), row_key='person') \
            .props('dense flat').classes('w-full').mark('usage-table')
