"""What the dashboard reads from AoD, as small frozen dataclasses built leniently from the server's JSON.

The server's payloads drift (`provider` on current servers, `runtime` on older ones and in aod-sdk 0.1.0); these
models accept both and keep whichever is present as `runtime_family`. Unknown fields are ignored, missing optional
ones default, so a newer server does not break the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..status import ACTIVE, FINISHED

__all__ = ['Ack', 'AgentInfo', 'EnvironmentInfo', 'SessionInfo',
           'StreamEvent', 'TurnInfo', 'parse_time']


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from an ISO 8601 string or epoch number; None when absent or unreadable."""
    if value is None or value == '':
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, tz=UTC)
        parsed = datetime.fromisoformat(str(value).replace('Z', '+00:00'))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _family(data: dict[str, Any]) -> str:
    return str(data.get('provider') or data.get('runtime') or '')


@dataclass(frozen=True)
class SessionInfo:
    """A session as AoD reports it (it carries no prompt and no agent name)."""

    id: str
    status: str
    agent_id: str | None = None
    environment_id: str | None = None
    exit_code: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    resources: tuple[dict[str, Any], ...] = ()
    turn_count: int = 0
    current_turn: int | None = None
    runtime_family: str = ''

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionInfo:
        resources = tuple(
            {k: v for k, v in r.items() if k != 'authorization_token'}
            for r in data.get('resources') or () if isinstance(r, dict)
        )
        return cls(
            id=str(data['id']),
            status=str(data.get('status') or 'pending'),
            agent_id=str(data['agent_id']) if data.get('agent_id') else None,
            environment_id=str(data['environment_id']) if data.get('environment_id') else None,
            exit_code=_int_or_none(data.get('exit_code')),
            created_at=parse_time(data.get('created_at')),
            updated_at=parse_time(data.get('updated_at')),
            resources=resources,
            turn_count=_int_or_none(data.get('turn_count')) or 0,
            current_turn=_int_or_none(data.get('current_turn')),
            runtime_family=_family(data),
        )


@dataclass(frozen=True)
class AgentInfo:
    """An agent definition: the dashboard offers agents by name, one per task type."""

    id: str
    name: str
    description: str = ''
    model: str = ''
    environment_id: str | None = None
    runtime_family: str = ''
    archived: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AgentInfo:
        return cls(
            id=str(data['id']),
            name=str(data.get('name') or data['id']),
            description=str(data.get('description') or ''),
            model=str(data.get('model') or ''),
            environment_id=str(data['environment_id']) if data.get('environment_id') else None,
            runtime_family=_family(data),
            archived=bool(data.get('archived_at')),
            metadata=dict(data.get('metadata') or {}),
        )


@dataclass(frozen=True)
class EnvironmentInfo:
    """A sandbox environment an agent can run in."""

    id: str
    name: str
    archived: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EnvironmentInfo:
        return cls(id=str(data['id']), name=str(data.get('name') or data['id']), archived=bool(data.get('archived_at')))


@dataclass(frozen=True)
class TurnInfo:
    """One prompt and its run within a session."""

    turn_number: int
    prompt: str
    status: str
    exit_code: int | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TurnInfo:
        return cls(
            turn_number=_int_or_none(data.get('turn_number')) or 0,
            prompt=str(data.get('prompt') or ''),
            status=str(data.get('status') or ''),
            exit_code=_int_or_none(data.get('exit_code')),
            created_at=parse_time(data.get('created_at')),
            started_at=parse_time(data.get('started_at')),
            ended_at=parse_time(data.get('ended_at')),
        )


@dataclass(frozen=True)
class Ack:
    """AoD's short answer to create, prompt and terminate."""

    id: str
    status: str
    current_turn: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ack:
        return cls(id=str(data['id']), status=str(data.get('status') or ''),
                   current_turn=_int_or_none(data.get('current_turn')))


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One event of a session's stream: its JSON payload and the resume cursor it carries, if any.

    `cursor` comes from the SSE `id:` line, or from the payload's `id` for events that may advance the cursor;
    `start` and `turn_start` never do (a `turn_start`'s id is the id of the output that follows it).
    """

    payload: dict[str, Any]
    cursor: int | None

    @property
    def type(self) -> str:
        return str(self.payload.get('type') or '')
