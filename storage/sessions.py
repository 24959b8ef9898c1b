"""The dashboard's record of each AoD session it launched: who started it, with which agent and prompt, and what
people did to it since. AoD itself keeps neither the prompt nor the agent's name on a session, so this is the only
place that knows them.

Times are seconds since the epoch (UTC) as floats, like `time.time()`: cheap to compare and sort, and the pages
format them for the reader.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from ._json import thaw
from .tables import DocumentTable

__all__ = ['FollowUp', 'SessionRecord', 'SessionRecords', 'Visibility']

Visibility = Literal['team', 'private']
"""'team': meant for everyone signed in; 'private': meant for its owner (the services decide who may see what)."""

_VISIBILITIES: tuple[str, ...] = get_args(Visibility)
_SECRET_WORDS = ('token', 'secret', 'password')


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A later prompt sent to a session: AoD's turn number, the prompt, who sent it, and when (epoch seconds)."""

    turn: int
    prompt: str
    by: str
    at: float

    def to_dict(self) -> dict[str, Any]:
        """The follow-up as a plain JSON object."""
        return {'turn': self.turn, 'prompt': self.prompt, 'by': self.by, 'at': self.at}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FollowUp:
        """Build a follow-up from `to_dict`'s shape."""
        return cls(turn=int(data['turn']), prompt=str(data['prompt']), by=str(data['by']), at=float(data['at']))


@dataclass(kw_only=True, slots=True)
class SessionRecord:
    """What the dashboard knows about one AoD session it launched.

    Building one copies and checks its lists, so a record never shares them with its caller or with the store.
    Keys holding a token, secret or password are dropped from `resources`: they are never stored.
    """

    session_id: str
    """AoD's session id; the key."""
    agent_id: str
    agent_name: str
    """The agent's name when the session was launched (AoD's session only carries the id)."""
    prompt: str
    """The first turn's prompt."""
    owner: str
    """Username of the person who launched it (or to whom it was handed over)."""
    visibility: Visibility = 'team'
    labels: list[str] = field(default_factory=list)
    pinned: bool = False
    created_at: float = field(default_factory=time.time)
    """When it was launched, in seconds since the epoch."""
    followups: list[FollowUp] = field(default_factory=list)
    """Later prompts, oldest first."""
    resources: list[dict[str, Any]] = field(default_factory=list)
    """The resources it was launched with (for example `{type, url, mount_path}`), without any token."""
    title: str | None = None
    """An optional short name people gave it."""
    origin: str | None = None
    """The session this one runs again ("Run again", "Edit and run"), by id; None for a fresh launch."""
    timeout: int | None = None
    """Seconds per turn it was launched with (None: AoD's default), so it can be run again alike."""

    def __post_init__(self) -> None:
        if not isinstance(self.session_id, str) or not self.session_id:
            raise ValueError('a session record needs a session id')
        for name in ('agent_id', 'agent_name', 'prompt', 'owner'):
            _text(getattr(self, name), name)
        if self.title is not None:
            _text(self.title, 'title')
        if self.origin is not None:
            _text(self.origin, 'origin')
        self.timeout = None if self.timeout is None else int(self.timeout)
        if self.visibility not in _VISIBILITIES:
            raise ValueError(f'visibility must be one of {_VISIBILITIES}, not {self.visibility!r}')
        if isinstance(self.labels, str):
            raise TypeError('labels must be a list of texts, not one text')
        self.labels = [_text(label, 'a label') for label in self.labels]
        self.followups = [item if isinstance(item, FollowUp) else FollowUp.from_dict(item) for item in self.followups]
        self.resources = [_without_secrets(resource) for resource in self.resources]
        self.pinned = bool(self.pinned)
        self.created_at = float(self.created_at)

    def to_dict(self) -> dict[str, Any]:
        """The record as a plain JSON object (a copy: changing it does not change the record)."""
        return {
            'session_id': self.session_id, 'agent_id': self.agent_id, 'agent_name': self.agent_name,
            'prompt': self.prompt, 'owner': self.owner, 'visibility': self.visibility, 'labels': list(self.labels),
            'pinned': self.pinned, 'created_at': self.created_at,
            'followups': [item.to_dict() for item in self.followups],
            'resources': thaw(self.resources), 'title': self.title, 'origin': self.origin, 'timeout': self.timeout,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionRecord:
        """Build a record from `to_dict`'s shape; unknown keys are ignored, missing optional ones take defaults."""
        return cls(**{name: data[name] for name in _FIELDS if name in data})

    @classmethod
    def _from_stored(cls, data: Mapping[str, Any]) -> SessionRecord:
        # The hot path of `all()`: the store only holds documents made by `to_dict` of a checked record, so this
        # copies them without checking them again, which makes reading thousands of records several times faster.
        record = object.__new__(cls)
        get = data.get
        record.session_id = data['session_id']
        record.agent_id = get('agent_id', '')
        record.agent_name = get('agent_name', '')
        record.prompt = get('prompt', '')
        record.owner = get('owner', '')
        record.visibility = get('visibility', 'team')
        record.labels = list(get('labels', ()))
        record.pinned = get('pinned', False)
        record.created_at = get('created_at', 0.0)
        record.followups = [FollowUp(turn=item['turn'], prompt=item['prompt'], by=item['by'], at=item['at'])
                            for item in get('followups', ())]
        record.resources = [thaw(resource) for resource in get('resources', ())]
        record.title = get('title')
        record.origin = get('origin')
        record.timeout = get('timeout')
        return record


_FIELDS = tuple(item.name for item in dataclasses.fields(SessionRecord))


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f'{what} must be text, not {type(value).__name__}')
    return value


def _without_secrets(resource: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(resource, Mapping):
        raise TypeError(f'a resource must be a mapping, not {type(resource).__name__}')
    return {key: thaw(value) for key, value in resource.items()
            if not any(word in key.lower() for word in _SECRET_WORDS)}


class SessionRecords:
    """The repository of `SessionRecord`s, one per session id.

    Methods that change a record return the record as it now is, or None if there is no record for that session.
    Every method is short and synchronous; call the writing ones through `storage.run_io` from async code.
    """

    def __init__(self, table: DocumentTable) -> None:
        self._table = table

    def add(self, record: SessionRecord) -> None:
        """Store a new record.

        :raises ValueError: if the session already has a record
        """
        if not self._table.insert(record.session_id, record.to_dict()):
            raise ValueError(f'session {record.session_id} already has a record')

    def add_many(self, records: Iterable[SessionRecord]) -> None:
        """Store new records in one write (for imports: far faster than one `add` each).

        :raises ValueError: if a session already has a record, or appears twice; nothing is stored then
        """
        documents: dict[str, dict[str, Any]] = {}
        for record in records:
            if record.session_id in documents:
                raise ValueError(f'session {record.session_id} appears twice')
            documents[record.session_id] = record.to_dict()
        taken = self._table.insert_many(documents)
        if taken:
            raise ValueError(f'{len(taken)} sessions already have a record, for example {taken[0]}')

    def get(self, session_id: str) -> SessionRecord | None:
        """The record of `session_id`, or None."""
        document = self._table.get(session_id)
        return None if document is None else SessionRecord._from_stored(document)

    def get_many(self, session_ids: Iterable[str]) -> dict[str, SessionRecord]:
        """The records of those `session_ids` that have one, by session id."""
        documents = self._table.get_many(list(session_ids))
        return {key: SessionRecord._from_stored(document) for key, document in documents.items()}

    def all(self) -> list[SessionRecord]:
        """Every record, newest first (by `created_at`)."""
        records = [SessionRecord._from_stored(document) for document in self._table.all()]
        records.sort(key=lambda record: record.created_at, reverse=True)
        return records

    def count(self) -> int:
        """How many records there are."""
        return self._table.count()

    def update(self, session_id: str, /, **changes: Any) -> SessionRecord | None:
        """Change fields of a record (any field but `session_id`).

        :raises TypeError: for an unknown field, or to change `session_id`
        :raises ValueError: if a new value is invalid (for example a visibility other than 'team' or 'private')
        """
        if 'session_id' in changes:
            raise TypeError('the session id of a record cannot change')
        return self._change(session_id, lambda record: dataclasses.replace(record, **changes))

    def remove(self, session_id: str) -> bool:
        """Remove the record of `session_id`; return whether there was one."""
        return self._table.remove([session_id]) == 1

    def remove_many(self, session_ids: Iterable[str]) -> int:
        """Remove the records of `session_ids`; return how many there were."""
        return self._table.remove(list(session_ids))

    def add_followup(self, session_id: str, *, prompt: str, by: str, turn: int | None = None,
                     at: float | None = None) -> SessionRecord | None:
        """Record a follow-up prompt.

        :param turn: AoD's turn number (`current_turn`); by default the turn after the last one recorded
        :param at: when it was sent; by default now
        """
        when = time.time() if at is None else at

        def append(record: SessionRecord) -> SessionRecord:
            number = turn if turn is not None else 1 + max((item.turn for item in record.followups), default=1)
            followup = FollowUp(turn=number, prompt=prompt, by=by, at=when)
            return dataclasses.replace(record, followups=[*record.followups, followup])

        return self._change(session_id, append)

    def _change(self, session_id: str, change: Callable[[SessionRecord], SessionRecord]) -> SessionRecord | None:
        document = self._table.modify(session_id, lambda current: change(SessionRecord._from_stored(current)).to_dict())
        return None if document is None else SessionRecord._from_stored(document)

    def set_owner(self, session_id: str, owner: str) -> SessionRecord | None:
        """Hand a session over to `owner` (a username)."""
        return self.update(session_id, owner=owner)

    def set_pinned(self, session_id: str, pinned: bool) -> SessionRecord | None:
        """Pin or unpin a session."""
        return self.update(session_id, pinned=pinned)

    def set_labels(self, session_id: str, labels: Iterable[str]) -> SessionRecord | None:
        """Replace a session's labels (kept as given, in order)."""
        if isinstance(labels, str):
            raise TypeError('labels must be a list of texts, not one text')
        return self.update(session_id, labels=list(labels))
