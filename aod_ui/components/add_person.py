"""The People page's form for a new local account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from ..auth import require_actor
from ..errors import AodUiError, FieldRefused
from ..services import ROLES
from ..system import System

__all__ = ['AddPerson']


class AddPerson(ui.expansion):
    """A refusal keeps everything typed and marks the field it is about (the message under it); the form is
    emptied only once the person was added. `added` runs then (the page shows the new person)."""

    def __init__(self, system: System, added: Callable[[], Any]) -> None:
        super().__init__('Add a person', icon='person_add')
        self.system, self.added = system, added
        self.classes('w-full').props('bordered').mark('add-person')
        with self, ui.row().classes('w-full items-start gap-2 flex-wrap'):
            self.username = ui.input('Username').props('outlined dense').mark('new-username')
            self.display = ui.input('Name').props('outlined dense').mark('new-name')
            self.email = ui.input('Email').props('outlined dense').mark('new-email')
            self.role = ui.select(list(ROLES), value='member', label='Role').props('outlined dense') \
                .classes('w-32').mark('new-role')
            self.password = ui.input('Password', password=True).props('outlined dense').mark('new-password')
            ui.button('Add', icon='add', on_click=self._add).classes('mt-1').mark('add')
        self.fields: dict[str, Any] = {'username': self.username, 'role': self.role, 'password': self.password,
                                       'display_name': self.display, 'email': self.email}
        for field in self.fields.values():  # a mark goes once the field is changed
            field.on_value_change(lambda e: setattr(e.sender, 'error', None))

    async def _add(self) -> None:
        for field in self.fields.values():
            field.error = None
        name = self.username.value or ''
        try:
            await self.system.people.add_local(
                require_actor(self.system), name, self.password.value or '', self.role.value,
                display_name=self.display.value or '', email=self.email.value or '')
        except FieldRefused as refusal:
            self.fields[refusal.field].error = str(refusal)
            self.fields[refusal.field].run_method('focus')
            return
        except AodUiError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            return
        ui.notify(f'{name} added.', type='positive')
        self.username.value = self.display.value = self.email.value = self.password.value = ''
        for field in self.fields.values():
            field.error = None
        self.added()
