"""The dashboard's keyboard shortcuts (`shortcuts.js`): `n` starts a session, `/` searches the list."""

from __future__ import annotations

from nicegui import ui

from ..services import Actor, can_launch

__all__ = ['Shortcuts']


class Shortcuts(ui.element, component='shortcuts.js'):
    """Handled in the browser, so a key works at once and whatever holds the focus (except where the person types).
    `n` is offered only to people who may launch; the New session page checks that again on the server."""

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self._props['launch'] = can_launch(actor)
