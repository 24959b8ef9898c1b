"""What the sessions list shows before there is any session to list: a way to start the first one, or, for people
who may only watch, what will appear here."""

from __future__ import annotations

from nicegui import ui

from ..services import Actor, can_launch

__all__ = ['EmptySessions']


class EmptySessions(ui.card):
    """Shown (`set_visibility`) while the person may see no session at all."""

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.classes('w-full items-center text-center gap-3 py-10').props('flat bordered').mark('empty-sessions')
        with self:
            ui.icon('rocket_launch' if can_launch(actor) else 'visibility', size='3rem').classes('text-primary')
            ui.label('No sessions yet').classes('text-xl font-semibold')
            if can_launch(actor):
                ui.label('A session runs a coding agent on a task you describe; you can watch it work live, send '
                         'follow-ups and stop it.').classes('text-sm opacity-70 max-w-md')
                ui.button('Start your first session', icon='add', on_click=lambda: ui.navigate.to('/new')) \
                    .props('no-caps unelevated').mark('first-session')
            else:
                ui.label('Sessions your team starts appear here, and you can watch them live. Your role may watch '
                         'sessions but not start them: ask an admin for the member role to start one.') \
                    .classes('text-sm opacity-70 max-w-md').mark('viewer-empty')
        self.set_visibility(False)
