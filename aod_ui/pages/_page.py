"""The decorator every page of the dashboard is built with: sign-in, the frame, the page's gate and the guard that
asks its rights again, so that a page function only composes."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from ..auth import authenticate, login_redirect
from ..components import frame
from ..components.page_guard import PageGuard, page_guard
from ..services import Actor
from ..system import System

__all__ = ['View', 'page', 'route']

Build = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class View:
    """What a page function is given: its person as the page was built for them, the page's guard (ask it before
    anything more is shown or done: it applies the page's gate too) and the request."""
    actor: Actor
    guard: PageGuard
    request: Request


def route(system: System, path: str) -> ui.page:
    """`ui.page` with time to build under a burst of visitors or a slow AoD.

    NiceGUI answers with its own error page when building takes longer than 3 s. A page here may wait on AoD (up to
    the request timeout, twice) before it can say "AoD did not answer in time" itself, and a hundred people opening
    pages at once queue for the one process: both should make a page slow, never an error."""
    return ui.page(path, response_timeout=2 * system.settings.request_timeout + 5)


def page(system: System, path: str, title: str, *, heading: bool = False,
         gate: Callable[[Actor], bool] | None = None, refusal: str = '') -> Callable[[Build], Build]:
    """Register `build(view, **params)` as the page at `path` for signed-in people.

    A visitor who is not signed in goes to the sign-in page. The page is laid out in `frame()` (with `title` as its
    heading when `heading`); a person for whom `gate` says no sees `refusal` instead of the page. The page's guard
    keeps `gate`: every later `guard.allows()` (a list refresh, a live push, a button, a change of the person's
    rights or of a session's access) asks it again, and a no takes the page down on the server."""
    def decorate(build: Build) -> Build:
        hints = typing.get_type_hints(build)
        params = list(inspect.signature(build).parameters.values())[1:]  # the first is the View

        async def serve(request: Request, **query: Any) -> RedirectResponse | None:
            actor = await authenticate(system, request)
            if actor is None:
                return login_redirect(request)
            with frame(system, title, actor):
                if heading:
                    ui.label(title).classes('text-2xl font-semibold')
                guard = page_guard()
                if gate is not None:
                    if not gate(actor):
                        ui.label(refusal).classes('text-negative').mark('refused')
                        return None
                    guard.require(gate)
                await build(View(actor, guard, request), **query)
            return None
        # NiceGUI and FastAPI read the parameters (path and query) from the signature: the page's own, and the request
        serve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter('request', inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
            + [p.replace(annotation=hints.get(p.name, p.annotation)) for p in params])
        serve.__name__ = build.__name__
        route(system, path)(serve)
        return build
    return decorate
