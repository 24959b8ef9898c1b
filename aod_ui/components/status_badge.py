"""A session's status as a coloured badge with an icon."""

from __future__ import annotations

from nicegui import ui

from .. import theme

__all__ = ['StatusBadge']


class StatusBadge(ui.badge):
    """Shows a status; `set_status` changes it in place."""

    def __init__(self, status: str) -> None:
        super().__init__()
        self.classes('text-sm px-2 py-1')
        with self:
            self._icon = ui.icon('').classes('mr-1')
            self._label = ui.label('')
        self.mark('status')
        self.set_status(status)

    def set_status(self, status: str, text: str | None = None) -> None:
        self.status = status
        self.props(f'color={theme.status_color(status)}')
        self._icon.name = theme.status_icon(status)
        self._label.text = text or status
