"""Sessions as people see them: AoD's sessions joined with the dashboard's own records, and every action on them.

Each action re-checks, at the moment it runs, that the person may do it; records it in the audit trail with its
outcome; and turns AoD's refusals into sentences. Reads of AoD's session list are shared: however many people
have the list open, AoD is asked at most once per `list_ttl` seconds (`_shared_reads`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, cast

from nicegui import Event

from storage import SessionRecord, Store, Visibility, run_io

from ..errors import ActionError, AodUiError, NotAllowed, UpstreamError
from ..hub import HubRegistry, SessionHub
from ..upstream import SessionInfo
from ._changes import change_summary
from ._fair_share import FairShare
from ._history import Export, archived_info, archived_session, archived_turns, export_events
from ._policy import Actor, can_act, can_launch, can_view
from ._rows import LaunchRequest, SessionDetail, SessionRow, first_line, last_activity
from ._session_settings import SessionSettings
from ._shared_reads import SharedReads
from ._single_flight import SingleFlight
from ._tokens import Upstreams

__all__ = ['LaunchRequest', 'SessionDetail', 'SessionRow', 'SessionService', 'first_line']

log = logging.getLogger(__name__)
NOT_FOUND = 'No such session: it may have been deleted, or you may not have access to it.'


class SessionService(SharedReads, SessionSettings):
    """The rules for listing, starting, following up, stopping and deleting sessions."""

    def __init__(self, upstreams: Upstreams, store: Store, hubs: HubRegistry, *, list_ttl: float = 2.0,
                 agents_ttl: float = 60.0, fair_share: FairShare | None = None) -> None:
        super().__init__(upstreams, list_ttl=list_ttl, agents_ttl=agents_ttl)
        self.store = store
        self.hubs = hubs
        self._launches = SingleFlight[str]()
        self.fair_share = (fair_share or FairShare(store)).attach(self.aod_sessions, self._merged_sessions,
                                                                  hubs.archive)
        self.export_wait = 20.0
        """Seconds a download waits for a session that is still being read from AoD before it says what is missing."""
        self.access_changed = Event[str]()
        """Fired with a session id after who may see it changed (visibility, owner): open pages re-check at once."""

    # -- reading ------------------------------------------------------------------------------------------------

    async def list(self, actor: Actor) -> list[SessionRow]:
        """Every session the person may see, newest first."""
        sessions = await self.aod_sessions()
        if self._agents_cache is None:
            with contextlib.suppress(UpstreamError):  # names fall back to ids; the list itself is what matters
                await self.agents()
        records = {r.session_id: r for r in self.store.sessions.all()}
        rows = []
        for info in sessions:
            record = records.get(info.id)
            if can_view(actor, record):
                rows.append(self._row(info, record))
        archive = self.hubs.archive
        if archive is not None:  # and the sessions AoD deleted, from the archive
            listed = {info.id for info in sessions}
            for session_id in archive:
                meta, record = archive.meta(session_id) or {}, records.get(session_id)
                if session_id not in listed and meta.get('deleted_upstream_at') and can_view(actor, record):
                    rows.append(self._row(archived_info(session_id, meta, record), record, deleted=True))
            epoch = datetime.fromtimestamp(0, tz=UTC)
            rows.sort(key=lambda r: r.created_at or epoch, reverse=True)
        return rows

    def _row(self, info: SessionInfo, record: SessionRecord | None, deleted: bool = False) -> SessionRow:
        agent_id = info.agent_id or (record.agent_id if record else None)
        return SessionRow(
            id=info.id, status=info.status, agent_id=agent_id,
            agent_name=(record.agent_name if record and record.agent_name else self.agent_name(agent_id)),
            prompt=record.prompt if record else '', owner=record.owner if record else None,
            visibility=record.visibility if record else 'private', created_at=info.created_at,
            updated_at=info.updated_at, turn_count=info.turn_count, exit_code=info.exit_code,
            recorded=record is not None, pinned=bool(record and record.pinned),
            labels=tuple(record.labels) if record else (), deleted_upstream=deleted,
            changes=change_summary(self.hubs, info.id),
            last_activity_at=last_activity(info.status, info.created_at, info.updated_at,
                                           None if deleted else self.hubs.heard_at(info.id)),
        )

    def titles(self, actor: Actor, session_ids: Iterable[str]) -> dict[str, str]:
        """The first line of each session's prompt (as the list shows it), for pages that name sessions (audit,
        operations), of the sessions the person may see and the dashboard recorded; others are left out."""
        records = self.store.sessions.get_many({i for i in session_ids if i})
        return {i: first_line(r.prompt) for i, r in records.items() if can_view(actor, r) and first_line(r.prompt)}

    async def get(self, actor: Actor, session_id: str) -> SessionDetail:
        """One session with its turns; a session the person may not see reads as one that does not exist."""
        record = self.store.sessions.get(session_id)
        if not can_view(actor, record):
            raise NotAllowed(NOT_FOUND)
        archive = self.hubs.archive
        if archive is not None and archive.deleted_upstream(session_id):
            return self._archived_detail(actor, session_id, record)
        try:
            client = self.upstreams.for_session(session_id)
            info, turns = await asyncio.gather(client.get_session(session_id), client.turns(session_id))
        except UpstreamError as error:
            if error.kind == 'not_found':
                if archive is not None and session_id in archive:
                    await archive.mark_deleted(session_id)
                    return self._archived_detail(actor, session_id, record)
                raise NotAllowed(NOT_FOUND) from None
            raise
        if self._agents_cache is None:
            with contextlib.suppress(UpstreamError):
                await self.agents()
        return SessionDetail(row=self._row(info, record), turns=tuple(turns), runtime_family=info.runtime_family,
                             resources=info.resources, may_act=can_act(actor, record))

    def _archived_detail(self, actor: Actor, session_id: str, record: SessionRecord | None) -> SessionDetail:
        """A session AoD no longer has, from the archive; nothing can be done to it in AoD any more."""
        info, turns = archived_session(self.hubs.archive.meta(session_id) or {}, session_id, record)  # type: ignore[union-attr]
        return SessionDetail(row=self._row(info, record, deleted=True), turns=turns, runtime_family=info.runtime_family,
                             resources=info.resources, may_act=can_act(actor, record))

    async def live(self, detail: SessionDetail) -> SessionHub:
        """The hub of `detail`'s session for a page: what the archive holds loaded, the turns' prompts and AoD's
        answer about the session's status given to it."""
        hub = await self.hubs.opened(detail.row.id)
        hub.set_turn_prompts({t.turn_number: t.prompt for t in detail.turns})
        hub.answer(detail.row.status, detail.row.turn_count)
        return hub

    def may_watch(self, actor: Actor, session_id: str) -> bool:
        """Checked again whenever a viewer joins a session's live stream."""
        return can_view(actor, self.store.sessions.get(session_id))

    # -- actions ------------------------------------------------------------------------------------------------

    async def launch(self, actor: Actor, request: LaunchRequest) -> str:
        """Start a session and record it; returns its id. A second identical request from the same person while
        the first is still under way gets the first one's result instead of a second session."""
        if not can_launch(actor):
            await self._audit(actor, 'launch', None, 'denied', 'role may not start sessions')
            raise NotAllowed('Your role may watch sessions but not start them. Ask an admin for the member role.')
        prompt = request.prompt.strip()
        if not prompt:
            raise ActionError('Write a prompt for the agent first.')
        if not request.agent_id:
            raise ActionError('Choose an agent first.')
        return await self._launches.run((actor.username, request.agent_id, prompt),
                                        lambda: self._admitted_launch(actor, request, prompt))

    async def _admitted_launch(self, actor: Actor, request: LaunchRequest, prompt: str) -> str:
        async with self.fair_share.admit(actor):
            return await self._launch(actor, request, prompt)

    async def _launch(self, actor: Actor, request: LaunchRequest, prompt: str) -> str:
        resources = None
        if request.repository_url.strip():
            resource = {'type': 'github_repository', 'url': request.repository_url.strip()}
            if request.repository_mount_path.strip():
                resource['mount_path'] = request.repository_mount_path.strip()
            resources = [resource]
        try:
            client = self.upstreams.for_actor(actor)
            ack = await client.create_session(agent_id=request.agent_id, prompt=prompt,
                                                     timeout=request.timeout, resources=resources)
        except UpstreamError as error:
            await self._audit(actor, 'launch', None, 'error', error.message)
            raise
        agent_name = self.agent_name(request.agent_id)
        record = SessionRecord(session_id=ack.id, agent_id=request.agent_id, agent_name=agent_name, prompt=prompt,
                               owner=actor.username, visibility=cast(Visibility, request.visibility),
                               labels=list(request.labels), origin=request.origin or None, timeout=request.timeout,
                               created_at=time.time(), resources=[dict(r) for r in resources or []])
        await run_io(self.store.sessions.add, record)
        self.invalidate()
        await self._audit(actor, 'launch', ack.id, 'ok', f'agent {agent_name}')
        return ack.id

    async def follow_up(self, actor: Actor, session_id: str, prompt: str, *, timeout: int | None = None) -> int | None:
        """Send another prompt to a finished turn; returns the new turn's number."""
        prompt = prompt.strip()
        if not prompt:
            raise ActionError('Write the follow-up prompt first.')
        await self._authorize(actor, session_id, 'follow-up', 'send a follow-up to')
        ack = await self._upstream_action(actor, 'follow-up', session_id,
                                          lambda: self.upstreams.for_session(session_id).prompt(
                                              session_id, prompt, timeout=timeout))
        await run_io(self.store.sessions.add_followup, session_id, prompt=prompt, by=actor.username,
                     turn=ack.current_turn)
        hub = self.hubs.get(session_id)
        if hub is None and self.hubs.archive is not None:
            hub = self.hubs.hub(session_id)  # the new turn goes into the archive, watched or not
            hub.follow(active=True)
        if hub is not None:
            if ack.current_turn is not None:
                hub.set_turn_prompts({ack.current_turn: prompt})
            hub.answer(ack.status, ack.current_turn)  # pending: a new turn
            hub.wake()
        self.invalidate()
        await self._audit(actor, 'follow-up', session_id, 'ok', f'turn {ack.current_turn}')
        return ack.current_turn

    async def stop(self, actor: Actor, session_id: str) -> str:
        """Terminate a session. One that is already terminated counts as stopped."""
        await self._authorize(actor, session_id, 'stop')
        try:
            ack = await self.upstreams.for_session(session_id).terminate(session_id)
        except UpstreamError as error:
            if error.kind == 'already_terminated':
                self.hubs.answer(session_id, 'terminated')
                await self._audit(actor, 'stop', session_id, 'ok', 'already terminated')
                return 'terminated'
            if error.kind == 'not_found':
                await self._audit(actor, 'stop', session_id, 'error', 'not found upstream')
                raise NotAllowed(NOT_FOUND) from None
            await self._audit(actor, 'stop', session_id, 'error', error.message)
            raise
        self.hubs.answer(session_id, ack.status)
        self.invalidate()
        await self._audit(actor, 'stop', session_id, 'ok', '')
        return ack.status

    async def delete(self, actor: Actor, session_id: str) -> None:
        """Delete a finished session upstream and its record here."""
        await self._authorize(actor, session_id, 'delete')
        try:
            await self.upstreams.for_session(session_id).delete(session_id)
        except UpstreamError as error:
            if error.kind == 'not_found':
                pass  # already gone upstream: still forget it here
            elif error.kind == 'conflict':
                await self._audit(actor, 'delete', session_id, 'error', error.message)
                raise ActionError('The session is still active: stop it first, then delete it.') from None
            else:
                await self._audit(actor, 'delete', session_id, 'error', error.message)
                raise
        await self.forget_record(session_id)
        self.invalidate()
        await self._audit(actor, 'delete', session_id, 'ok', '')

    async def forget_record(self, session_id: str) -> None:
        """AoD deleted the session: forget its record, unless the archive keeps a copy (which the record guards)."""
        archive = self.hubs.archive
        if archive is not None and session_id in archive:
            await archive.mark_deleted(session_id)
            return
        await run_io(self.store.sessions.remove, session_id)

    async def stop_then_delete(self, actor: Actor, session_id: str, *, wait: float = 30.0) -> None:
        """Stop an active session, wait until AoD no longer counts it active, then delete it."""
        await self.stop(actor, session_id)
        deadline = time.monotonic() + wait
        while True:
            try:
                await self.delete(actor, session_id)
                return
            except ActionError as error:
                if isinstance(error, NotAllowed) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.5)

    async def transcript_export(self, actor: Actor, session_id: str, kind: str) -> Export:
        """The whole transcript as JSON Lines (`jsonl`, every event as received) or text (`txt`), from the archive; a
        session not archived whole is read for up to `export_wait` s, then the export says what it lacks and why."""
        record = self.store.sessions.get(session_id)
        if not can_view(actor, record):
            raise NotAllowed(NOT_FOUND)
        archive = self.hubs.archive
        prompts: dict[int, str] = {}
        active = False
        kept = archive.meta(session_id) or {} if archive is not None else {}
        if archive is not None and (archive.deleted_upstream(session_id) or
                                    (archive.complete(session_id) and (kept.get('info') or {}).get('prompts'))):
            # archived whole: nothing to ask AoD (the prompts were kept with it)
            prompts = {t.turn_number: t.prompt for t in archived_turns(archive.meta(session_id) or {}, record)}
        else:
            client = self.upstreams.for_session(session_id)
            try:
                info, turns = await asyncio.gather(client.get_session(session_id), client.turns(session_id))
            except UpstreamError as error:
                if error.kind != 'not_found':
                    raise
                if archive is None or session_id not in archive:
                    raise NotAllowed(NOT_FOUND) from None
                await archive.mark_deleted(session_id)
                turns = archived_turns(archive.meta(session_id) or {}, record)
            else:
                active = info.active
            prompts = {t.turn_number: t.prompt for t in turns}
        return await export_events(archive, self.hubs, session_id, kind, prompts, active=active,
                                   wait=self.export_wait)

    async def _authorize(self, actor: Actor, session_id: str, action: str, verb: str = '') -> SessionRecord | None:
        """The record if `actor` may act now; a refusal is audited under the act's own `action` and names `verb`."""
        record = self.store.sessions.get(session_id)
        if not can_view(actor, record):
            await self._audit(actor, action, session_id, 'denied', 'not visible to this person')
            raise NotAllowed(NOT_FOUND)
        if not can_act(actor, record):
            await self._audit(actor, action, session_id, 'denied', 'not the owner')
            raise NotAllowed(f'Only the person who started this session, or an admin, may {verb or action} it.')
        return record

    async def _upstream_action(self, actor: Actor, action: str, session_id: str,
                               call: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await call()
        except UpstreamError as error:
            await self._audit(actor, action, session_id, 'error', error.message)
            if error.kind == 'not_found':
                raise NotAllowed(NOT_FOUND) from None
            raise

    async def _audit(self, actor: Actor, action: str, session_id: str | None, outcome: str, detail: str) -> None:
        if self.upstreams.per_person and session_id:
            with contextlib.suppress(AodUiError):  # which token served the call: recorded by its prefix only
                detail = f'{detail} [token {self.upstreams.for_session(session_id).token_prefix}]'.strip()
        if actor.via:
            detail = f'{detail} [via {actor.via}]'.strip()
        try:
            await run_io(self.store.audit.append, actor.username, action, session_id=session_id,
                         outcome=outcome, detail=detail)  # type: ignore[arg-type]
        except Exception:  # the action happened; a failing audit write must not hide that from the person
            log.exception('could not write the audit trail')
