"""Templates: saved prompts with their agent, repository, timeout and visibility, private to the person who saved
them or shared with the team, launched in one click, with a count of how often each was used.

They are kept in the store's key-value table, one key a template (`template:<id>`). Launching one is a launch like
any other (`SessionService.launch`: rights, fair share, audit); its count goes up only when the session started.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import asdict, dataclass

from storage import run_io

from ..errors import ActionError, NotAllowed
from ._policy import Actor, can_launch, is_admin
from ._rows import LaunchRequest
from ._sessions import SessionService

__all__ = ['Template', 'TemplateService']

PREFIX = 'template:'
NO_SUCH = 'No such template: it may have been deleted, or it is someone else\'s private one.'


@dataclass(frozen=True)
class Template:
    """A saved launch."""

    id: str
    name: str
    owner: str
    shared: bool
    """True: everyone who may start sessions sees and uses it; False: its owner only."""
    agent_id: str
    prompt: str
    repository_url: str = ''
    repository_mount_path: str = ''
    timeout: int | None = None
    visibility: str = 'team'
    """The visibility of the sessions it starts."""
    used: int = 0
    created_at: float = 0.0

    def request(self) -> LaunchRequest:
        return LaunchRequest(agent_id=self.agent_id, prompt=self.prompt, timeout=self.timeout,
                             repository_url=self.repository_url, repository_mount_path=self.repository_mount_path,
                             visibility=self.visibility)


class TemplateService:
    """Save, list, launch and delete templates; every call checks the person's rights as it runs."""

    def __init__(self, sessions: SessionService) -> None:
        self.sessions = sessions
        self.store = sessions.store
        self._counting = asyncio.Lock()

    def visible(self, actor: Actor) -> list[Template]:
        """The person's own templates and the team's, most used first."""
        found = [t for t in self._all() if t.shared or t.owner == actor.username]
        return sorted(found, key=lambda t: (-t.used, t.name.lower()))

    async def save(self, actor: Actor, name: str, request: LaunchRequest, *, shared: bool) -> Template:
        """Keep what New session holds now under a name."""
        if not can_launch(actor):
            raise NotAllowed('Your role may watch sessions but not start them, nor save templates.')
        name = name.strip()
        if not name:
            raise ActionError('Give the template a name.')
        if not request.prompt.strip() or not request.agent_id:
            raise ActionError('A template needs an agent and a prompt: fill them in first.')
        template = Template(id=secrets.token_hex(8), name=name[:120], owner=actor.username, shared=shared,
                            agent_id=request.agent_id, prompt=request.prompt.strip(), timeout=request.timeout,
                            repository_url=request.repository_url.strip(),
                            repository_mount_path=request.repository_mount_path.strip(),
                            visibility=request.visibility, created_at=time.time())
        await run_io(self.store.kv.set, PREFIX + template.id, asdict(template))
        await self._audit(actor, 'save template', f'{template.name} ({"team" if shared else "private"})')
        return template

    def get(self, actor: Actor, template_id: str) -> Template:
        template = self._load(template_id)
        if template is None or not (template.shared or template.owner == actor.username):
            raise NotAllowed(NO_SUCH)
        return template

    async def launch(self, actor: Actor, template_id: str) -> str:
        """Start a session from a template in one click; returns its id."""
        template = self.get(actor, template_id)
        session_id = await self.sessions.launch(actor, template.request())
        async with self._counting:  # one read-modify-write at a time: simultaneous launches all count
            current = self._load(template_id)
            if current is not None:
                await run_io(self.store.kv.set, PREFIX + template_id, {**asdict(current), 'used': current.used + 1})
        return session_id

    async def delete(self, actor: Actor, template_id: str) -> None:
        """Its owner, or an admin, deletes a template."""
        template = self.get(actor, template_id)
        if template.owner != actor.username and not is_admin(actor):
            raise NotAllowed('Only the person who saved this template, or an admin, may delete it.')
        await run_io(self.store.kv.delete, PREFIX + template_id)
        await self._audit(actor, 'delete template', template.name)

    def _load(self, template_id: str) -> Template | None:
        data = self.store.kv.get(PREFIX + template_id)
        return Template(**data) if isinstance(data, dict) else None

    def _all(self) -> list[Template]:
        found = (self._load(key[len(PREFIX):]) for key in self.store.kv.keys() if key.startswith(PREFIX))  # noqa: SIM118
        return [t for t in found if t is not None]

    async def _audit(self, actor: Actor, action: str, detail: str) -> None:
        await run_io(self.store.audit.append, actor.username, action, detail=detail)
