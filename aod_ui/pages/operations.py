"""The operator's page (admins): AoD's health, the fleet at a glance, what is stuck and what fails, the archive,
usage charts, and the retention policy with its dry run and runs."""

from __future__ import annotations

from ..components.fleet_panel import FleetPanel
from ..components.retention_card import RetentionCard
from ..components.webhooks_card import webhooks_card
from ..services import is_admin
from ..system import System
from ._page import View, page

__all__ = ['register']


def register(system: System) -> None:
    @page(system, '/operations', 'Operations', heading=True, gate=is_admin,
          refusal='Only admins may see the fleet and run retention.')
    async def operations_page(view: View) -> None:
        fleet = FleetPanel(system, view.guard)
        webhooks_card(system, view.guard)
        RetentionCard(system, view.guard)
        await fleet.refresh()
