"""Run a finished session again: "Run again" starts one alike (agent, prompt, repository, timeout, visibility,
labels), "Edit and run" fills New session with the same. The new session names its origin, and the origin lists its
re-runs (those the person may see). Every re-run is a launch like any other: the same rights, the same fair share.
"""

from __future__ import annotations

from storage import SessionRecord

from ..errors import ActionError, NotAllowed, UpstreamError
from ._policy import Actor, can_launch, can_view
from ._rows import LaunchRequest
from ._sessions import NOT_FOUND, SessionService

__all__ = ['Reruns']

FINISHED = frozenset({'completed', 'failed', 'terminated'})


class Reruns:
    """Re-runs of sessions, and the links between a session and its re-runs."""

    def __init__(self, sessions: SessionService) -> None:
        self.sessions = sessions

    def request(self, actor: Actor, session_id: str) -> LaunchRequest:
        """What a re-run of the session launches (for "Edit and run" to show first); only sessions the dashboard
        recorded (it alone knows their prompt) that the person may see."""
        record = self.sessions.store.sessions.get(session_id)
        if record is None or not can_view(actor, record):
            raise NotAllowed(NOT_FOUND)
        repository = next((r for r in record.resources if r.get('type') == 'github_repository'), {})
        return LaunchRequest(agent_id=record.agent_id, prompt=record.prompt, timeout=record.timeout,
                             repository_url=str(repository.get('url') or ''),
                             repository_mount_path=str(repository.get('mount_path') or ''),
                             visibility=record.visibility, labels=tuple(record.labels), origin=record.session_id)

    async def run_again(self, actor: Actor, session_id: str) -> str:
        """Start the same session again, once the first has finished; returns the new session's id."""
        if not can_launch(actor):
            raise NotAllowed('Your role may watch sessions but not start them. Ask an admin for the member role.')
        request = self.request(actor, session_id)
        status = await self.status(session_id)
        if status not in FINISHED:
            raise ActionError('This session is still running: run it again once it has finished.')
        return await self.sessions.launch(actor, request)

    async def status(self, session_id: str) -> str:
        """What AoD says of the session now; `terminated` once AoD has deleted it (the archive keeps it)."""
        archive = self.sessions.hubs.archive
        if archive is not None and archive.deleted_upstream(session_id):
            return 'terminated'
        try:
            return (await self.sessions.upstreams.for_session(session_id).get_session(session_id)).status
        except UpstreamError as error:
            if error.kind == 'not_found':
                return 'terminated'
            raise

    def origin(self, actor: Actor, session_id: str) -> SessionRecord | None:
        """The session this one runs again, if the person may see it."""
        record = self.sessions.store.sessions.get(session_id)
        if record is None or not record.origin:
            return None
        origin = self.sessions.store.sessions.get(record.origin)
        return origin if origin is not None and can_view(actor, origin) else None

    def reruns(self, actor: Actor, session_id: str) -> list[SessionRecord]:
        """The re-runs of a session the person may see, newest first."""
        found = [r for r in self.sessions.store.sessions.all() if r.origin == session_id and can_view(actor, r)]
        return sorted(found, key=lambda r: r.created_at, reverse=True)
