"""`GET /api/v1/sessions/{id}/events`: a session's stream as Server-Sent Events, served from its hub.

An API follower is one more viewer of the session's `SessionHub`, never one more stream from AoD. It gets what the
hub holds, then what follows, in AoD's own shape: `data: <the event as AoD sent it>`, with `id: <cursor>` on the
events that carry one. `Last-Event-ID: N` resumes after event N as AoD does: rows after N, the `turn_start` of a
turn that continues after N, and the turn's ending. Like AoD, the stream closes after a turn's terminal event
(`exit`, `error`, `terminated`); after a follow-up, reconnect with the last id. Ends of earlier turns in the replay
are left out (AoD's replay has none), and so is `stale` (the hub resumes by itself).

A long session's hub holds only its latest events (`AOD_UI_STREAM_HOLD`). A client resuming from an event older than
that gets the events after it from the dashboard's archive first, then the hub's, then live ones: no gap, no
duplicate (`Last-Event-ID: 0` so reads a whole long session). A client without `Last-Event-ID` starts from what the
hub holds.

The dashboard adds one event type of its own, `{"type": "dashboard", "code", "message"}`: `truncated` (the hub let
the oldest events go and they are not sent: a client without `Last-Event-ID`, or an archive that cannot fill the
gap; the transcript endpoint has what is archived), `gone` (AoD deleted the session), `access_ended`
(the token was revoked or expired, or its person was disabled or lost sight of the session: checked before every
push, at once when people, tokens or a session's visibility or owner change, and at every heartbeat), `behind`
(the client read too slowly). A comment line `: heartbeat` goes out after 15 s of silence.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import StreamingResponse

from ..errors import NotAllowed, StorageError
from ..hub import TERMINAL_TYPES, Batch, HubState, SessionHub
from ..services import ApiCaller, TokenRefused
from ..services._sessions import NOT_FOUND
from ..system import System
from ._auth import caller_with, system_of
from ._errors import ApiProblem

__all__ = ['Follower', 'router']

router = APIRouter()
HEARTBEAT = 15.0
MAX_BACKLOG = 2_000
"""Batches a follower may leave unread before it is told it fell behind and disconnected."""
RECHECK = object()
REVOKED = object()
FINISHED_PHASES = frozenset({'idle', 'gone'})


def cursor_of(event: dict[str, Any]) -> int | None:
    """The resume cursor an event carries: never on `start` and `turn_start` (as the hub reads AoD)."""
    if event.get('type') in {'start', 'turn_start'}:
        return None
    value = event.get('id')
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def frame(event: dict[str, Any]) -> str:
    cursor = cursor_of(event)
    head = f'id: {cursor}\n' if cursor is not None else ''
    return f'{head}data: {json.dumps(event, separators=(",", ":"))}\n\n'


def notice(code: str, message: str) -> str:
    return frame({'type': 'dashboard', 'code': code, 'message': message})


class Follower:
    """One API client following one session's hub, from `after` (its Last-Event-ID) on."""

    def __init__(self, system: System, caller: ApiCaller, session_id: str, after: int | None) -> None:
        self.system = system
        self.caller = caller
        self.session_id = session_id
        self.hub: SessionHub | None = None
        """Found (or made) only when the response starts, so a client gone before then leaves no hub behind."""
        self.after = after
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.overflowed = False
        self.refusal = ''
        self.started = False
        """`start` was sent (once per response, as AoD does, whether from the archive or the hub)."""

    def _put(self, item: Any) -> None:
        if self.queue.qsize() >= MAX_BACKLOG:
            self.overflowed = True
        self.queue.put_nowait(item)

    def _on_events(self, batch: Batch) -> None:
        self._put(batch)

    def _on_state(self, state: HubState) -> None:
        self._put(state)

    def _recheck(self, _subject: str) -> None:
        self._put(RECHECK)

    def wanted(self, event: dict[str, Any]) -> bool:
        """Whether a row-like event is new to this client (terminal events are decided by the caller)."""
        kind = event.get('type')
        if kind == 'stale' or kind in TERMINAL_TYPES:
            return False
        if kind == 'start':
            return not self.started
        if self.after is None:
            return True
        if kind == 'turn_start':
            upcoming = event.get('id')  # the id of the output that follows it
            return isinstance(upcoming, int) and upcoming > self.after
        cursor = cursor_of(event)
        return cursor is not None and cursor > self.after

    def send(self, event: dict[str, Any], text: str | None = None) -> str:
        """The frame of an event this client is sent (`text`, if made already), noting how far it got."""
        cursor = cursor_of(event)
        if cursor is not None:
            self.after = cursor
        self.started = self.started or event.get('type') == 'start'
        return frame(event) if text is None else text

    def take(self, batch: Batch) -> tuple[list[str], bool]:
        """The frames of a live batch this client is sent, and whether it ended the stream (a terminal event, sent
        last). Each event's frame is made once for every follower of the hub."""
        frames = batch.shared.get('sse')
        if frames is None:
            frames = batch.shared['sse'] = [frame(event) for event in batch.events]
        out = []
        for event, text in zip(batch.events, frames, strict=True):
            if event.get('type') in TERMINAL_TYPES:
                out.append(text)
                return out, True
            if self.wanted(event):
                out.append(self.send(event, text))
        return out, False

    def resumes_within(self, held: list[dict[str, Any]]) -> bool:
        """Whether the client resumes after an output event the hub still holds: then it holds what followed (a
        hub started from the archive also holds the session's first stages, before the part it let go)."""
        return any(event.get('type') == 'output' and cursor_of(event) == self.after for event in held)

    async def from_archive(self, held: list[dict[str, Any]]) -> tuple[list[str], bool]:
        """For a client resuming from before what the hub holds: the archived events it missed, and whether they
        close the gap (the archive reaches what the hub holds)."""
        archive = self.system.hubs.archive
        if archive is None or self.after is None:
            return [], False
        try:
            archived = await archive.events(self.session_id)
        except StorageError:
            return [], False
        kept = {c for c in map(cursor_of, held) if c is not None}
        cursors = [c for c in map(cursor_of, archived) if c is not None]
        # the archive is written from the hub's events, in order: it reaches the held ones when its last event is
        # held, or when it has every held one (it is ahead of them)
        if not cursors or not (cursors[-1] in kept or kept <= set(cursors)):
            return [], False
        return [self.send(event) for event in archived if self.wanted(event)], True

    def replay(self, held: list[dict[str, Any]]) -> tuple[list[str], bool]:
        """What a joining client gets of the events held, and whether that ends the stream (a finished turn)."""
        out = []
        for event in held:
            if self.wanted(event):
                out.append(self.send(event))
        finished = self.hub is not None and self.hub.state.phase in FINISHED_PHASES
        ending = self._ending(held) if finished else None
        if ending is not None:
            out.append(frame(ending))
        return out, finished

    def _ending(self, held: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
        """The terminal event that ends what the hub holds, unless this client has seen past it."""
        last = held[-1] if held else None
        if last is None or last.get('type') not in TERMINAL_TYPES:
            return None
        cursor = cursor_of(last)
        return last if self.after is None or cursor is None or cursor >= self.after else None

    def _still_allowed(self) -> bool:
        """Whether the client may go on following (asked by the hub before every push); if not, `refusal` says why."""
        try:
            self.caller = self.system.api_tokens.still_valid(self.caller)
        except TokenRefused as error:
            self.refusal = str(error)
            return False
        if not self.system.sessions.may_watch(self.caller.actor, self.session_id):
            self.refusal = NOT_FOUND
            return False
        return True

    async def stream(self) -> AsyncIterator[str]:
        changes = (self.system.people.changed, self.system.api_tokens.changed, self.system.sessions.access_changed)
        for change in changes:
            change.subscribe(self._recheck, unsubscribe_on_delete=False)
        self.hub = hub = self.system.hubs.hub(self.session_id)
        # as for a page: every push to this follower first asks whether its token and person may still see the
        # session; when not, the hub drops the follower before anything reaches it
        held, viewer = hub.join(self._on_events, self._on_state, allowed=self._still_allowed,
                                on_revoked=lambda: self._put(REVOKED))
        try:
            first = next((c for c in map(cursor_of, held) if c is not None), None)
            if hub.dropped and not self.resumes_within(held):
                archived, whole = await self.from_archive(held)
                if archived:
                    yield ''.join(archived)
                if not whole and (self.after is None or first is None or first > self.after):
                    yield notice('truncated', 'The dashboard holds only the latest events of this long session; '
                                 f'earlier ones are in its transcript (GET /api/v1/sessions/{self.session_id}'
                                 '/transcript).')
            frames, done = self.replay(held)
            if frames:  # one write, as for each batch below: a write per event costs a hundred followers dear
                yield ''.join(frames)
            if done:
                if hub.state.phase == 'gone':
                    yield notice('gone', hub.state.message)
                return
            while True:
                try:
                    item = await asyncio.wait_for(self.queue.get(), HEARTBEAT)
                except TimeoutError:
                    item = None
                # besides every push (above), rights are checked at once when a person, a token or who may see a
                # session changed, and at every heartbeat (an expiry has no event)
                if item is REVOKED or ((item is None or item is RECHECK) and not viewer.check()):
                    yield notice('access_ended', self.refusal or NOT_FOUND)
                    return
                if self.overflowed:
                    yield notice('behind', 'This client read the events too slowly; reconnect with the '
                                 'Last-Event-ID header to go on from the last event it got.')
                    return
                if item is None:
                    yield ': heartbeat\n\n'
                elif isinstance(item, Batch):
                    frames, ended = self.take(item)
                    if frames:
                        yield ''.join(frames)
                    if ended:
                        return
                elif isinstance(item, HubState):
                    if item.phase == 'gone':
                        yield notice('gone', item.message)
                        return
                    if item.phase in {'idle', 'stopped'}:
                        # the turn is over: a client that joined after its terminal event reached the hub, but
                        # before the hub saw AoD close the stream, has not had it yet
                        ending = self._ending(hub.transcript.raw.events)
                        if ending is not None:
                            yield frame(ending)
                        return
        finally:
            viewer.close()
            for change in changes:
                change.unsubscribe(self._recheck)


@router.get('/sessions/{session_id}/events', summary="Follow a session's events (Server-Sent Events)",
            response_class=StreamingResponse,
            responses={200: {'content': {'text/event-stream': {}},
                             'description': "AoD's events, as AoD sends them; see the API guide"}})
async def events(request: Request, session_id: str, caller: Annotated[ApiCaller, Depends(caller_with('read'))],
                 last_event_id: Annotated[str | None, Header(alias='Last-Event-ID')] = None) -> StreamingResponse:
    system = system_of(request)
    after: int | None = None
    if last_event_id not in (None, ''):
        try:
            after = max(0, int(last_event_id))
        except ValueError:
            raise ApiProblem(422, 'invalid_request', 'Last-Event-ID must be a whole number: the id of the last '
                             'event received.') from None
    if not system.sessions.may_watch(caller.actor, session_id):
        raise NotAllowed(NOT_FOUND)
    follower = Follower(system, caller, session_id, after)
    return StreamingResponse(follower.stream(), media_type='text/event-stream',
                             headers={'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no'})
