"""The dashboard's colours in a page: Quasar's brand colours and the rules that keep text readable in dark mode."""

from __future__ import annotations

from nicegui import ui

from .. import theme

__all__ = ['page_style']


def page_style() -> None:
    """Every page calls this first (the frame does, and the sign-in page)."""
    ui.colors(**theme.BRAND)
    ui.add_css(theme.CSS)
