"""Start a session: pick an agent by its task, write the prompt, optionally add a repository and a timeout."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from ..auth import authenticate, login_redirect, require_actor
from ..components import frame
from ..components.launch_limits import LaunchLimitNotice
from ..components.rerun_panel import rerun_request
from ..components.templates_panel import TemplatesPanel
from ..errors import AodUiError, UpstreamError
from ..services import LaunchRequest, can_launch
from ..system import System
from ._page import page

__all__ = ['register']


def register(system: System) -> None:
    @page(system, '/new')
    async def new_session_page(request: Request, agent: str = '', rerun: str = '') -> RedirectResponse | None:
        actor = await authenticate(system, request)
        if actor is None:
            return login_redirect(request)
        with frame(system, 'New session', actor):
            ui.label('New session').classes('text-2xl font-semibold')
            if not can_launch(actor):
                ui.label('Your role may watch sessions but not start them. Ask an admin for the member role.') \
                    .classes('text-negative')
                return
            try:
                # AoD scopes agents to the token's owner: with personal tokens, the person's own agents
                agents = [a for a in await system.sessions.agents(actor) if not a.archived]
            except AodUiError as error:
                ui.label(str(error)).classes('text-negative bg-red-1 rounded p-3').mark('problem')
                ui.button('Try again', icon='refresh', on_click=lambda: ui.navigate.reload())
                return
            notice = LaunchLimitNotice(system, actor)
            by_id = {a.id: a for a in agents}
            by_name = {a.name: a.id for a in agents}
            chosen = agent if agent in by_id else by_name.get(agent, agents[0].id if agents else None)
            origin = rerun_request(system, actor, rerun)  # "Edit and run": the form starts as that session
            chosen = origin.agent_id if origin is not None and origin.agent_id in by_id else chosen
            templates = TemplatesPanel(system, actor, fill=lambda r: fill(r), form=lambda: form())
            with ui.card().classes('w-full max-w-3xl gap-3'):
                agent_select = ui.select({a.id: a.name for a in agents}, value=chosen, label='Agent') \
                    .props('outlined').classes('w-full').mark('agent')
                description = ui.label().classes('text-sm opacity-70 -mt-2')
                prompt = ui.textarea(label='Prompt', placeholder='What should the agent do? (Ctrl+Enter starts it)') \
                    .props('outlined autogrow autofocus input-style="min-height: 8rem"').classes('w-full') \
                    .mark('prompt')
                with ui.expansion('Options', icon='tune').classes('w-full').mark('options'):
                    with ui.column().classes('w-full gap-2'):
                        repo = ui.input('GitHub repository URL', placeholder='https://github.com/org/repo') \
                            .props('outlined dense').classes('w-full').mark('repo')
                        mount = ui.input('Mount path (optional)', placeholder='/workspace/repo') \
                            .props('outlined dense').classes('w-full').mark('mount')
                        timeout = ui.number('Timeout per turn (seconds)', value=600, min=10, max=3600, step=30,
                                            precision=0).props('outlined dense').classes('w-64').mark('timeout')
                        visibility = ui.toggle({'team': 'Team can watch', 'private': 'Only me and admins'},
                                               value=system.settings.default_visibility).mark('visibility')
                problem = ui.label().classes('w-full text-negative bg-red-1 rounded p-3 whitespace-pre-line') \
                    .mark('problem')
                problem.set_visibility(False)
                with ui.row().classes('w-full justify-end gap-2'):
                    ui.button('Cancel', on_click=lambda: ui.navigate.to('/')).props('flat')
                    ui.button('Save as template', icon='bookmark_add', on_click=templates.save) \
                        .props('flat no-caps').mark('save-template')
                    start = ui.button('Start session', icon='play_arrow').mark('start')
                    notice.hold(start)

            def fill(request: LaunchRequest) -> None:
                agent_select.value = request.agent_id if request.agent_id in by_id else agent_select.value
                prompt.value, repo.value, mount.value = request.prompt, request.repository_url, \
                    request.repository_mount_path
                timeout.value, visibility.value = request.timeout or timeout.value, request.visibility

            def form() -> LaunchRequest:
                value = timeout.value
                return LaunchRequest(agent_id=agent_select.value or '', prompt=prompt.value or '',
                                     timeout=int(value) if value is not None else None, repository_url=repo.value or '',
                                     repository_mount_path=mount.value or '', visibility=visibility.value,
                                     labels=origin.labels if origin else (), origin=origin.origin if origin else '')
            if origin is not None:
                fill(origin)

            def show_description() -> None:
                chosen_agent = by_id.get(agent_select.value or '')
                description.text = (chosen_agent.description or chosen_agent.model) if chosen_agent else ''
            agent_select.on_value_change(show_description)
            show_description()

            async def launch() -> None:
                if start.props.get('loading'):
                    return  # a double click or a second Ctrl+Enter while the first launch is under way
                problem.set_visibility(False)
                request = form()
                if request.timeout is not None and not 10 <= request.timeout <= 3600:
                    problem.text = 'The timeout must be between 10 and 3600 seconds.'
                    problem.set_visibility(True)
                    return
                start.props('loading')
                try:
                    session_id = await system.sessions.launch(require_actor(system), request)
                except UpstreamError as error:
                    problem.text = str(error)
                    if error.kind == 'rate_limited':
                        problem.text += '\nActive sessions are listed under Sessions → Status: Running.'
                    problem.set_visibility(True)
                    return
                except AodUiError as error:
                    problem.text = str(error)
                    problem.set_visibility(True)
                    return
                finally:
                    start.props(remove='loading')
                ui.navigate.to(f'/sessions/{session_id}')

            start.on_click(launch)
            prompt.on('keydown.ctrl.enter', launch)
            prompt.on('keydown.meta.enter', launch)
