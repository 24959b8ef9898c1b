"""Start a session: pick an agent by its task, write the prompt, optionally add a repository and a timeout."""

from __future__ import annotations

from nicegui import ui

from .. import theme
from ..components.demo_scenarios import DemoScenarios
from ..components.launch_form import LaunchForm
from ..components.launch_limits import LaunchLimitNotice
from ..components.new_session_button import REFUSAL
from ..components.rerun_panel import rerun_request
from ..components.templates_panel import TemplatesPanel
from ..errors import AodUiError
from ..services import can_launch
from ..system import System
from ._page import View, page

__all__ = ['register']


def register(system: System) -> None:
    @page(system, '/new', 'New session', heading=True, gate=can_launch,
          refusal=REFUSAL)
    async def new_session_page(view: View, agent: str = '', rerun: str = '') -> None:
        try:
            # AoD scopes agents to the token's owner: with personal tokens, the person's own agents
            agents = [a for a in await system.sessions.agents(view.actor) if not a.archived]
        except AodUiError as error:
            ui.label(str(error)).classes(f'{theme.PROBLEM} p-3').mark('problem')
            ui.button('Try again', icon='refresh', on_click=ui.navigate.reload)
            return
        notice = LaunchLimitNotice(system, view.actor)
        origin = rerun_request(system, view.actor, rerun)  # "Edit and run": the form starts as that session
        templates = TemplatesPanel(system, view.actor, fill=lambda r: form.fill(r), form=lambda: form.request())
        form = LaunchForm(system, agents, agent, origin=origin, on_save=templates.save, notice=notice)
        if system.settings.demo:  # what the scripted agents can do, above the form whose prompt it writes
            DemoScenarios(form.prompt).move(target_index=form.parent_slot.children.index(form))
