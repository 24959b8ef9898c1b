"""The session endpoints: list, get, create, follow-up, stop, delete, transcript. Each calls the one service method
the pages call, so the rules, the audit trail and the sentences are the same."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from ..services import ApiCaller, LaunchRequest, SessionRow, filter_rows, in_scope, is_admin
from ._auth import caller_with, system_of
from ._errors import ApiProblem
from ._models import Agent, Created, FollowedUp, FollowUp, Launch, Me, Page, Session, SessionWithTurns, Stopped

__all__ = ['router']

router = APIRouter()
Reader = Annotated[ApiCaller, Depends(caller_with('read'))]
Launcher = Annotated[ApiCaller, Depends(caller_with('launch'))]
Manager = Annotated[ApiCaller, Depends(caller_with('manage'))]
STATUSES = ('pending', 'running', 'completed', 'failed', 'terminated')
EPOCH = datetime.fromtimestamp(0, tz=UTC)


def _position(row: SessionRow) -> tuple[float, str]:
    """Where a session stands in the list's order (newest first, then by id): what a cursor remembers."""
    return (-(row.created_at or EPOCH).timestamp(), row.id)


def _cursor(row: SessionRow) -> str:
    created, session_id = _position(row)
    return base64.urlsafe_b64encode(json.dumps([created, session_id]).encode()).decode().rstrip('=')


def _after(cursor: str) -> tuple[float, str]:
    try:
        created, session_id = json.loads(base64.urlsafe_b64decode(cursor + '=' * (-len(cursor) % 4)))
        return float(created), str(session_id)
    except (ValueError, TypeError, binascii.Error):
        raise ApiProblem(422, 'invalid_cursor', 'This cursor is not one the list gave: start again without '
                         'one.') from None


@router.get('/me', response_model=Me, summary='Who this token acts as')
async def me(caller: Reader) -> Me:
    token = caller.token
    return Me(username=caller.actor.username, role=caller.actor.role, token=token.name, token_prefix=token.prefix,
              scopes=list(token.scopes),
              expires_at=None if token.expires_at is None else datetime.fromtimestamp(token.expires_at, UTC))


@router.get('/agents', response_model=list[Agent], summary='The agents this person can start')
async def agents(request: Request, caller: Reader) -> list[Agent]:
    found = await system_of(request).sessions.agents(caller.actor)
    return [Agent(id=a.id, name=a.name, description=a.description) for a in found]


@router.get('/sessions', response_model=Page, summary='Sessions this person may see, newest first')
async def list_sessions(
        request: Request, caller: Reader,
        status: Annotated[Literal['', 'pending', 'running', 'completed', 'failed', 'terminated'], Query()] = '',
        agent: Annotated[str, Query(description='An agent name')] = '',
        q: Annotated[str, Query(description='Search prompts, agent names, ids and labels')] = '',
        scope: Annotated[Literal['', 'mine', 'team', 'all'], Query(
            description='mine, team, or all (admins); default: all for admins, team for others')] = '',
        person: Annotated[str, Query(description='Started by this person')] = '',
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str, Query(description="The previous page's next_cursor")] = '') -> Page:
    actor = caller.actor
    chosen = scope or ('all' if is_admin(actor) else 'team')
    if chosen == 'all' and not is_admin(actor):
        chosen = 'team'  # as the list page: "All" is for admins, everyone else sees their team's
    rows = in_scope(await system_of(request).sessions.list(actor), chosen, actor.username)
    if person:
        rows = [r for r in rows if r.owner == person]
    matching = sorted(filter_rows(rows, status, agent, q, actor.username), key=_position)
    if cursor:
        after = _after(cursor)
        matching_after = [r for r in matching if _position(r) > after]
    else:
        matching_after = matching
    shown = matching_after[:limit]
    more = len(matching_after) > limit
    return Page(data=[Session.of(r) for r in shown], next_cursor=_cursor(shown[-1]) if more else None,
                total=len(matching))


@router.get('/sessions/{session_id}', response_model=SessionWithTurns, summary='One session with its turns')
async def get_session(request: Request, session_id: str, caller: Reader) -> SessionWithTurns:
    return SessionWithTurns.of_detail(await system_of(request).sessions.get(caller.actor, session_id))


@router.post('/sessions', response_model=Created, status_code=201, summary='Start a session')
async def create_session(request: Request, body: Launch, caller: Launcher, response: Response) -> Created:
    system = system_of(request)
    known = await system.sessions.agents(caller.actor)
    agent = next((a for a in known if a.id == body.agent), None) or next((a for a in known if a.name == body.agent),
                                                                         None)
    if agent is None:
        raise ApiProblem(422, 'unknown_agent', f'There is no agent {body.agent!r}: GET /api/v1/agents lists the '
                         'ones you can start.')
    agent_id = agent.id
    session_id = await system.sessions.launch(caller.actor, LaunchRequest(
        agent_id=agent_id, prompt=body.prompt, timeout=body.timeout, repository_url=body.repository_url,
        repository_mount_path=body.repository_mount_path,
        visibility=body.visibility or system.settings.default_visibility, labels=tuple(body.labels)))
    response.headers['Location'] = f'/api/v1/sessions/{session_id}'
    return Created(id=session_id, url=f'/sessions/{session_id}')


@router.post('/sessions/{session_id}/follow-up', response_model=FollowedUp, status_code=202,
             summary='Send another prompt to a finished turn')
async def follow_up(request: Request, session_id: str, body: FollowUp, caller: Launcher) -> FollowedUp:
    turn = await system_of(request).sessions.follow_up(caller.actor, session_id, body.prompt, timeout=body.timeout)
    return FollowedUp(id=session_id, turn=turn)


@router.post('/sessions/{session_id}/stop', response_model=Stopped, summary='Stop (terminate) a session')
async def stop(request: Request, session_id: str, caller: Manager) -> Stopped:
    return Stopped(id=session_id, status=await system_of(request).sessions.stop(caller.actor, session_id))


@router.delete('/sessions/{session_id}', status_code=204, summary='Delete a finished session')
async def delete(request: Request, session_id: str, caller: Manager) -> Response:
    await system_of(request).sessions.delete(caller.actor, session_id)
    return Response(status_code=204)


@router.get('/sessions/{session_id}/transcript', summary='The complete transcript',
            responses={200: {'content': {'application/x-ndjson': {}, 'text/plain': {}},
                             'description': 'JSON Lines (every event as AoD sent it) or readable text'}})
async def transcript(request: Request, session_id: str, caller: Reader,
                     format: Annotated[Literal['jsonl', 'txt'], Query()] = 'jsonl') -> Response:
    export = await system_of(request).sessions.transcript_export(caller.actor, session_id, format)
    headers = {'Content-Disposition': f'attachment; filename="session-{session_id[:8]}.{format}"'}
    # the archive's export says whether it is the whole session, and if not what is missing; a plain list of
    # chunks (the export before the archive) says nothing, and is taken as whole
    headers['X-Transcript-Complete'] = 'true' if getattr(export, 'complete', True) else 'false'
    note = getattr(export, 'note', '')
    if note:
        headers['X-Transcript-Note'] = note.encode('ascii', 'replace').decode()
    media = 'application/x-ndjson' if format == 'jsonl' else 'text/plain; charset=utf-8'
    return Response(''.join(export), media_type=media, headers=headers)
