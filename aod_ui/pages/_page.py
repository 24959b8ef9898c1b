"""The page decorator every page of the dashboard uses."""

from __future__ import annotations

from nicegui import ui

from ..system import System

__all__ = ['page']


def page(system: System, path: str) -> ui.page:
    """`ui.page` with time to build under a burst of visitors or a slow AoD.

    NiceGUI answers with its own error page when building takes longer than 3 s. A page here may wait on AoD (up to
    the request timeout, twice) before it can say "AoD did not answer in time" itself, and a hundred people opening
    pages at once queue for the one process: both should make a page slow, never an error."""
    return ui.page(path, response_timeout=2 * system.settings.request_timeout + 5)
