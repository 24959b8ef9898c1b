"""Admins manage people: add local accounts, change roles, disable, reset passwords, link identities, remove."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from ..auth import require_actor
from ..components.add_person import AddPerson
from ..components.person_card import PersonCard
from ..errors import AodUiError
from ..services import Actor, is_admin
from ..system import System
from ._page import View, page

__all__ = ['register']

OIDC_NOTE = ('People who sign in through the identity provider appear here after their first sign-in, bound to their '
             'identity there; their role follows the provider\'s groups at each sign-in and while they stay signed '
             'in. A provider sign-in never opens an account it is not linked to: use Link for that.')


def register(system: System) -> None:
    @page(system, '/people', 'People', heading=True, gate=is_admin, refusal='Only admins may manage people.')
    async def people_page(view: View) -> None:
        async def act(call: Callable[[Actor], Awaitable[Any]], done: str) -> None:
            try:
                await call(require_actor(system))
            except AodUiError as error:
                ui.notify(str(error), type='negative', multi_line=True)
                return
            ui.notify(done, type='positive')
            people_list.refresh()

        @ui.refreshable
        def people_list() -> None:
            with ui.column().classes('w-full gap-2'):
                for person in system.people.everyone():
                    PersonCard(system, person, act, people_list.refresh)

        AddPerson(system, added=people_list.refresh)
        if system.settings.auth == 'oidc':
            ui.label(OIDC_NOTE).classes('text-sm opacity-70')
        people_list()
