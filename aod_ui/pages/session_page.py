"""One session, live: its status and stages, the transcript (structured and raw), find in the transcript,
follow-ups, stop and delete."""

from __future__ import annotations

from nicegui import ui

from .. import theme
from ..components.live_session import LiveSession
from ..errors import AodUiError, NotAllowed
from ..system import System
from ._page import View, page

__all__ = ['register']


def register(system: System) -> None:
    @page(system, '/sessions/{session_id}', 'Session')
    async def session_page(view: View, session_id: str, find: str = '', at: int | None = None,
                           line: int | None = None) -> None:
        try:
            detail = await system.sessions.get(view.actor, session_id)
        except NotAllowed as error:
            ui.label(str(error)).classes('text-lg').mark('not-found')
            ui.link('Back to all sessions', '/')
            return
        except AodUiError as error:
            ui.label(str(error)).classes(f'{theme.PROBLEM} p-3').mark('problem')
            ui.button('Try again', icon='refresh', on_click=ui.navigate.reload)
            return
        await LiveSession.open(system, detail, view.guard, find=find, at=at, line=line)
