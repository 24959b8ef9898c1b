"""The header's New session button: for people who may launch; for the others shown disabled, saying why."""

from __future__ import annotations

from nicegui import ui

from ..services import Actor, can_launch

__all__ = ['REFUSAL', 'NewSessionButton']

REFUSAL = 'Your role may watch sessions but not start them. Ask an admin for the member role.'


class NewSessionButton(ui.element):
    """A wrapper, because a disabled button shows no tooltip of its own (it takes no pointer events)."""

    def __init__(self, actor: Actor) -> None:
        super().__init__('span')
        self.mark('new-session')
        allowed = can_launch(actor)
        with self:
            # the label is left out on a phone; the button keeps its name for screen readers
            with ui.button(icon='add', on_click=lambda: ui.navigate.to('/new')) \
                    .props('flat dense no-caps color=white aria-label="New session"') as self.button:
                ui.label('New session').classes('max-sm:hidden')
            self.button.set_enabled(allowed)
            ui.tooltip('Start a session (n)' if allowed else REFUSAL)
