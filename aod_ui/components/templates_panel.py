"""New session's templates: the person's own and the team's saved launches, each started in one click or used to
fill in the form, with how often each was used; and "Save as template" for what the form holds."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from ..auth import require_actor
from ..errors import AodUiError
from ..services import Actor, LaunchRequest, Template, first_line
from ..system import System

__all__ = ['TemplatesPanel']


class TemplatesPanel(ui.column):
    """The templates above the form. `fill` puts a template into the form; `form` reads the form for saving."""

    def __init__(self, system: System, actor: Actor, *, fill: Callable[[LaunchRequest], None],
                 form: Callable[[], LaunchRequest]) -> None:
        super().__init__()
        self.system = system
        self.actor = actor
        self.fill = fill
        self.form = form
        self.classes('w-full max-w-3xl gap-1').mark('templates')
        with self:
            self.cards = ui.row().classes('w-full gap-2 flex-wrap')
        self.show()

    def show(self) -> None:
        self.cards.clear()
        with self.cards:
            for template in self.system.templates.visible(self.actor):
                self._card(template)

    def _card(self, template: Template) -> None:
        with ui.card().props('flat bordered').classes('p-2 gap-1 w-full sm:w-72').mark(f'template-{template.name}'):
            with ui.row().classes('w-full items-center gap-1 no-wrap'):
                ui.icon('groups' if template.shared else 'lock', size='xs').classes('opacity-60') \
                    .tooltip('Shared with the team' if template.shared else 'Only you')
                ui.label(template.name).classes('font-medium flex-1 truncate')
                ui.label(f'used {template.used}×').classes('text-xs opacity-60').mark('template-used')
            ui.label(first_line(template.prompt, 80)).classes('text-xs opacity-70 truncate w-full')
            with ui.row().classes('gap-1'):
                start = ui.button('Start', icon='play_arrow').props('dense no-caps size=sm') \
                    .mark(f'template-start-{template.name}')
                start.on_click(lambda t=template, b=start: self._launch(t, b))
                ui.button('Fill in', on_click=lambda t=template: self.fill(t.request())) \
                    .props('flat dense no-caps size=sm').mark(f'template-fill-{template.name}')
                if template.owner == self.actor.username or self.actor.role == 'admin':
                    ui.button(icon='delete', on_click=lambda t=template: self._delete(t)) \
                        .props('flat dense round size=sm aria-label="Delete template"').tooltip('Delete') \
                        .mark(f'template-delete-{template.name}')

    async def _launch(self, template: Template, button: ui.button) -> None:
        if button.props.get('loading'):
            return
        button.props('loading')
        try:
            session_id = await self.system.templates.launch(require_actor(self.system), template.id)
        except AodUiError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            return
        finally:
            button.props(remove='loading')
        ui.navigate.to(f'/sessions/{session_id}')

    async def _delete(self, template: Template) -> None:
        try:
            await self.system.templates.delete(require_actor(self.system), template.id)
        except AodUiError as error:
            ui.notify(str(error), type='negative')
            return
        ui.notify(f'Template {template.name} deleted.')
        self.show()

    async def save(self) -> None:
        """Ask for a name and whether the team may use it, then keep what the form holds."""
        with ui.dialog() as dialog, ui.card().classes('gap-2 w-96 max-w-full'):
            ui.label('Save as template').classes('font-semibold')
            name = ui.input('Name').props('outlined autofocus').classes('w-full').mark('template-name')
            shared = ui.checkbox('Share with the team').mark('template-shared')
            with ui.row().classes('w-full justify-end'):
                ui.button('Cancel', on_click=lambda: dialog.submit(False)).props('flat')
                ui.button('Save', on_click=lambda: dialog.submit(True)).mark('template-save')
        saved = await dialog
        dialog.delete()
        if not saved:
            return
        try:
            template = await self.system.templates.save(require_actor(self.system), name.value or '', self.form(),
                                                        shared=bool(shared.value))
        except AodUiError as error:
            ui.notify(str(error), type='negative')
            return
        ui.notify(f'Template {template.name} saved.', type='positive')
        self.show()
