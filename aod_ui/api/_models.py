"""What the API sends and takes, as pydantic models (they are also its OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from ..services import SessionDetail, SessionRow
from ..upstream import TurnInfo

__all__ = ['Agent', 'Created', 'ErrorBody', 'FollowUp', 'FollowedUp', 'Launch', 'Me', 'Page', 'Session',
           'SessionWithTurns', 'Stopped', 'Turn']


class ErrorDetail(BaseModel):
    code: str = Field(description='A stable word for programs: unauthorized, forbidden, not_found, conflict, '
                                  'rate_limited, insufficient_scope, invalid_request, upstream_…')
    message: str = Field(description='The sentence a person reads (the same the pages show).')


class ErrorBody(BaseModel):
    error: ErrorDetail


class Session(BaseModel):
    id: str
    status: str = Field(description='pending | running | completed | failed | terminated')
    title: str = Field(description="The prompt's first line")
    prompt: str
    agent_id: str | None
    agent_name: str
    owner: str | None = Field(description='Who started it (none: started outside the dashboard)')
    visibility: str
    labels: list[str]
    pinned: bool
    recorded: bool = Field(description='Started through the dashboard (or adopted by an admin)')
    created_at: datetime | None
    updated_at: datetime | None
    turn_count: int
    exit_code: int | None

    @classmethod
    def of(cls, row: SessionRow) -> Session:
        return cls(id=row.id, status=row.status, title=row.title, prompt=row.prompt, agent_id=row.agent_id,
                   agent_name=row.agent_name, owner=row.owner, visibility=row.visibility, labels=list(row.labels),
                   pinned=row.pinned, recorded=row.recorded, created_at=row.created_at, updated_at=row.updated_at,
                   turn_count=row.turn_count, exit_code=row.exit_code)


class Turn(BaseModel):
    turn_number: int
    prompt: str
    status: str
    exit_code: int | None
    created_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def of(cls, turn: TurnInfo) -> Turn:
        return cls(turn_number=turn.turn_number, prompt=turn.prompt, status=turn.status, exit_code=turn.exit_code,
                   created_at=turn.created_at, started_at=turn.started_at, ended_at=turn.ended_at)


class SessionWithTurns(Session):
    turns: list[Turn]
    may_act: bool = Field(description="Whether this token's person may follow up, stop or delete it")

    @classmethod
    def of_detail(cls, detail: SessionDetail) -> SessionWithTurns:
        base = Session.of(detail.row).model_dump()
        return cls(**base, turns=[Turn.of(t) for t in detail.turns], may_act=detail.may_act)


class Page(BaseModel):
    data: list[Session]
    next_cursor: str | None = Field(description='Pass as `cursor` for the next page; null on the last page')
    total: int = Field(description='How many sessions match the filters')


class Launch(BaseModel):
    agent: str = Field(description="The agent's id or name", min_length=1)
    prompt: str = Field(min_length=1)
    timeout: int | None = Field(None, ge=10, le=3600, description='Seconds per turn (AoD: 10 to 3600)')
    repository_url: str = ''
    repository_mount_path: str = ''
    visibility: Literal['team', 'private'] | None = Field(None, description="Default: the dashboard's default")
    labels: list[str] = Field(default_factory=list, max_length=20)


class Created(BaseModel):
    id: str
    url: str = Field(description="The session's page in the dashboard")


class FollowUp(BaseModel):
    prompt: str = Field(min_length=1)
    timeout: int | None = Field(None, ge=10, le=3600)


class FollowedUp(BaseModel):
    id: str
    turn: int | None


class Stopped(BaseModel):
    id: str
    status: str


class Agent(BaseModel):
    id: str
    name: str
    description: str = ''


class Me(BaseModel):
    username: str
    role: str
    token: str = Field(description="The token's name")
    token_prefix: str
    scopes: list[str]
    expires_at: datetime | None
