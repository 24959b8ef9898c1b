"""The People page's form for a new local account."""

from __future__ import annotations

from nicegui import ui

from ..services import ROLES
from ..system import System
from .person_card import Act

__all__ = ['AddPerson']


class AddPerson(ui.expansion):
    def __init__(self, system: System, act: Act) -> None:
        super().__init__('Add a person', icon='person_add')
        self.classes('w-full').props('bordered').mark('add-person')
        with self, ui.row().classes('w-full items-end gap-2 flex-wrap'):
            self.username = ui.input('Username').props('outlined dense').mark('new-username')
            self.display = ui.input('Name').props('outlined dense').mark('new-name')
            self.email = ui.input('Email').props('outlined dense').mark('new-email')
            self.role = ui.select(list(ROLES), value='member', label='Role').props('outlined dense') \
                .classes('w-32').mark('new-role')
            self.password = ui.input('Password', password=True).props('outlined dense').mark('new-password')
            ui.button('Add', icon='add', on_click=lambda: self._add(system, act)).mark('add')

    async def _add(self, system: System, act: Act) -> None:
        name = self.username.value or ''
        await act(lambda a: system.people.add_local(
            a, name, self.password.value or '', self.role.value, display_name=self.display.value or '',
            email=self.email.value or ''), f'{name} added.')
        self.username.value = self.display.value = self.email.value = self.password.value = ''
