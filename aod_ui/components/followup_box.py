"""The follow-up prompt: enabled only when the session can take one, with the reason when it cannot."""

from __future__ import annotations

from nicegui import ui

from ..auth import require_actor
from ..errors import AodUiError
from ..system import System

__all__ = ['FollowUpBox', 'followup_reason']


def followup_reason(status: str, may_act: bool) -> str:
    """Why a follow-up cannot be sent now; empty when it can."""
    if not may_act:
        return 'Only the person who started this session, or an admin, can send a follow-up.'
    return {
        'pending': 'The session is starting; a follow-up can be sent when this turn completes.',
        'running': 'The agent is working; a follow-up can be sent when this turn completes.',
        'failed': 'The session failed and cannot be resumed. Start a new session.',
        'terminated': 'The session was stopped and cannot be resumed. Start a new session.',
    }.get(status, '')


class FollowUpBox:
    """A prompt box and a send button under the transcript."""

    def __init__(self, system: System, session_id: str, *, may_act: bool) -> None:
        self.system = system
        self.session_id = session_id
        self.may_act = may_act
        with ui.card().classes('w-full gap-2').mark('followup') as self.card:
            self.prompt = ui.textarea(placeholder='Follow-up prompt (Ctrl+Enter sends)') \
                .props('outlined autogrow dense').classes('w-full').mark('followup-prompt')
            with ui.row().classes('w-full items-center'):
                self.reason = ui.label().classes('text-sm opacity-70 flex-1').mark('followup-reason')
                self.send = ui.button('Send', icon='send', on_click=self.submit).mark('followup-send')
        self.prompt.on('keydown.ctrl.enter', self.submit)
        self.prompt.on('keydown.meta.enter', self.submit)

    def set_status(self, status: str) -> None:
        reason = followup_reason(status, self.may_act)
        self.reason.text = reason
        self.send.set_enabled(not reason)
        self.prompt.set_enabled(not reason)

    async def submit(self) -> None:
        if not self.send.enabled or self.send.props.get('loading'):
            return
        text = (self.prompt.value or '').strip()
        if not text:
            ui.notify('Write the follow-up prompt first.', type='warning')
            return
        self.send.props('loading')
        try:
            turn = await self.system.sessions.follow_up(require_actor(self.system), self.session_id, text)
        except AodUiError as error:
            ui.notify(str(error), type='negative', multi_line=True)
            return
        finally:
            self.send.props(remove='loading')
        self.prompt.value = ''  # the session's new status (pending) reaches the box through the session's hub
        ui.notify(f'Follow-up sent (turn {turn}).', type='positive')
