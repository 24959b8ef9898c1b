"""Sessions as the pages show them: a row of the list, a session with its turns, and what a launch asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..status import ACTIVE
from ..transcript import ChangeSummary
from ..upstream import TurnInfo

__all__ = ['LaunchRequest', 'SessionDetail', 'SessionRow', 'first_line', 'last_activity']


def first_line(text: str, limit: int = 120) -> str:
    """The first non-empty line of a prompt, shortened for a list."""
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[:limit - 1] + '…'
    return ''


def last_activity(status: str, created_at: datetime | None, updated_at: datetime | None,
                  heard_at: float | None) -> datetime | None:
    """When a session last did something: AoD's last change of it (`updated_at`: its launch, a turn's start and end,
    a stop) or, while it is active, the last event its hub read from AoD's stream (`HubRegistry.heard_at`), since
    AoD does not move `updated_at` for output. A finished session's hub may be reading it long after it ended (the
    archive's backfill), so for it only AoD's times count."""
    moments = [m for m in (created_at, updated_at) if m is not None]
    if status in ACTIVE and heard_at is not None:
        moments.append(datetime.fromtimestamp(heard_at, tz=UTC))
    return max(moments, default=None)


@dataclass(frozen=True)
class SessionRow:
    """One session as the list shows it."""

    id: str
    status: str
    agent_id: str | None
    agent_name: str
    prompt: str
    owner: str | None
    visibility: str
    created_at: datetime | None
    updated_at: datetime | None
    turn_count: int
    exit_code: int | None
    recorded: bool
    pinned: bool = False
    labels: tuple[str, ...] = ()
    deleted_upstream: bool = False
    """AoD no longer has the session: it is shown from the dashboard's archive."""
    changes: ChangeSummary | None = None
    """Files and lines the agent changed, and the links it reported (None: not known)."""
    last_activity_at: datetime | None = None
    """When the session last did something (`last_activity`)."""

    @property
    def title(self) -> str:
        return first_line(self.prompt) or ('(started outside the dashboard)' if not self.recorded else '(no prompt)')

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def duration_seconds(self) -> float | None:
        if self.created_at is None:
            return None
        end = datetime.now(UTC) if self.active or self.updated_at is None else self.updated_at
        return max(0.0, (end - self.created_at).total_seconds())


@dataclass(frozen=True)
class SessionDetail:
    """A session with its turns, for the session page."""

    row: SessionRow
    turns: tuple[TurnInfo, ...]
    runtime_family: str
    resources: tuple[dict[str, Any], ...]
    may_act: bool

    @property
    def deleted_upstream(self) -> bool:
        return self.row.deleted_upstream


@dataclass(frozen=True)
class LaunchRequest:
    """What a person fills in to start a session."""

    agent_id: str
    prompt: str
    timeout: int | None = None
    repository_url: str = ''
    repository_mount_path: str = ''
    visibility: str = 'team'
    labels: tuple[str, ...] = field(default_factory=tuple)
    origin: str = ''
    """The session this one runs again, if any (see `services/_reruns.py`)."""
