"""The form that starts a session: an agent picked by its task, the prompt, and the options."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from .. import theme
from ..auth import require_actor
from ..errors import AodUiError, UpstreamError
from ..services import AgentInfo, LaunchRequest
from ..system import System
from .launch_limits import LaunchLimitNotice

__all__ = ['LaunchForm']


class LaunchForm(ui.card):
    """Starts a session with what the form holds and opens its page; a refusal is shown in the form, which keeps
    everything typed into it. A second start while the first is under way (a double click) does nothing."""

    def __init__(self, system: System, agents: list[AgentInfo], agent: str = '', *,
                 origin: LaunchRequest | None = None, on_save: Callable[[], Any] | None = None,
                 notice: LaunchLimitNotice | None = None) -> None:
        """`origin`: a session run again ("Edit and run"), which the form starts as; `on_save` offers "Save as
        template"; `notice` holds the start button while the person's limits say no."""
        super().__init__()
        self.system = system
        self.origin = origin
        self.agents = {a.id: a for a in agents}
        by_name = {a.name: a.id for a in agents}
        chosen = agent if agent in self.agents else by_name.get(agent, agents[0].id if agents else None)
        chosen = origin.agent_id if origin is not None and origin.agent_id in self.agents else chosen
        self.classes('w-full max-w-3xl gap-3')
        with self:
            self.agent = ui.select({a.id: a.name for a in agents}, value=chosen, label='Agent') \
                .props('outlined').classes('w-full').mark('agent')
            self.description = ui.label().classes('text-sm opacity-70 -mt-2')
            self.prompt = ui.textarea(label='Prompt', placeholder='What should the agent do? (Ctrl+Enter starts it)') \
                .props('outlined autogrow autofocus input-style="min-height: 8rem"').classes('w-full').mark('prompt')
            with ui.expansion('Options', icon='tune').classes('w-full').mark('options'):
                with ui.column().classes('w-full gap-2'):
                    self.repo = ui.input('GitHub repository URL', placeholder='https://github.com/org/repo') \
                        .props('outlined dense').classes('w-full').mark('repo')
                    self.mount = ui.input('Mount path (optional)', placeholder='/workspace/repo') \
                        .props('outlined dense').classes('w-full').mark('mount')
                    self.timeout = ui.number('Timeout per turn (seconds)', value=600, min=10, max=3600, step=30,
                                             precision=0).props('outlined dense').classes('w-64').mark('timeout')
                    self.visibility = ui.toggle({'team': 'Team can watch', 'private': 'Only me and admins'},
                                                value=system.settings.default_visibility).mark('visibility')
            self.problem = ui.label().classes(f'{theme.PROBLEM} w-full p-3 whitespace-pre-line') \
                .mark('problem')
            self.problem.set_visibility(False)
            with ui.row().classes('w-full justify-end gap-2'):
                ui.button('Cancel', on_click=lambda: ui.navigate.to('/')).props('flat')
                if on_save is not None:
                    ui.button('Save as template', icon='bookmark_add', on_click=on_save).props('flat no-caps') \
                        .mark('save-template')
                self.start = ui.button('Start session', icon='play_arrow', on_click=self.launch).mark('start')
                if notice is not None:
                    notice.hold(self.start)
        self.agent.on_value_change(self._describe)
        self._describe()
        if origin is not None:
            self.fill(origin)
        self.prompt.on('keydown.ctrl.enter', self.launch)
        self.prompt.on('keydown.meta.enter', self.launch)

    def fill(self, request: LaunchRequest) -> None:
        """Put `request` (a template, a session run again) into the form."""
        self.agent.value = request.agent_id if request.agent_id in self.agents else self.agent.value
        self.prompt.value, self.repo.value, self.mount.value = request.prompt, request.repository_url, \
            request.repository_mount_path
        self.timeout.value, self.visibility.value = request.timeout or self.timeout.value, request.visibility

    def request(self) -> LaunchRequest:
        """What the form holds."""
        value, origin = self.timeout.value, self.origin
        return LaunchRequest(agent_id=self.agent.value or '', prompt=self.prompt.value or '',
                             timeout=int(value) if value is not None else None, repository_url=self.repo.value or '',
                             repository_mount_path=self.mount.value or '', visibility=self.visibility.value,
                             labels=origin.labels if origin else (), origin=origin.origin if origin else '')

    def _describe(self) -> None:
        agent = self.agents.get(self.agent.value or '')
        self.description.text = (agent.description or agent.model) if agent else ''

    def _refuse(self, text: str) -> None:
        self.problem.text = text
        self.problem.set_visibility(True)

    async def launch(self) -> None:
        if self.start.props.get('loading'):
            return  # a double click or a second Ctrl+Enter while the first launch is under way
        self.problem.set_visibility(False)
        request = self.request()
        if request.timeout is not None and not 10 <= request.timeout <= 3600:
            self._refuse('The timeout must be between 10 and 3600 seconds.')
            return
        self.start.props('loading')
        try:
            session_id = await self.system.sessions.launch(require_actor(self.system), request)
        except AodUiError as error:
            rate_limited = isinstance(error, UpstreamError) and error.kind == 'rate_limited'
            self._refuse(str(error) + ('\nActive sessions are listed under Sessions → Status: Running.'
                                       if rate_limited else ''))
            return
        finally:
            self.start.props(remove='loading')
        ui.navigate.to(f'/sessions/{session_id}')
