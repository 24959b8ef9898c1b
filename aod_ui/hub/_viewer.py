"""What a hub's viewers get: its state, batches of events, and their subscription."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..transcript import Change

if TYPE_CHECKING:
    from ._hub import SessionHub

__all__ = ['Batch', 'HubState', 'Viewer']


@dataclass(frozen=True)
class HubState:
    """Where the hub's connection stands, for the viewers' status line."""

    phase: str
    """connecting | live | reconnecting | idle | gone | stopped"""
    message: str = ''
    retry_in: float | None = None


@dataclass(frozen=True)
class Batch:
    """New events pushed to viewers at once, with the transcript entries they added or changed."""

    events: list[dict[str, Any]]
    changes: list[Change]
    shared: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """What one kind of viewer made of this batch, made once for all viewers of that kind (the API's event frames):
    every viewer gets the same batch."""


class Viewer:
    """One viewer's subscription; `close()` it when the viewer leaves (pages tie it to their client).

    With `allowed`, every push first asks whether the person may still see the session; when they may not, the
    viewer is closed before anything reaches them and `on_revoked` runs (the page then takes itself down)."""

    def __init__(self, hub: SessionHub, on_events: Callable[[Batch], Any],
                 on_state: Callable[[HubState], Any] | None, allowed: Callable[[], bool] | None = None,
                 on_revoked: Callable[[], Any] | None = None, on_status: Callable[[str], Any] | None = None) -> None:
        self._hub = hub
        self._on_events = on_events
        self._on_state = on_state
        self._on_status = on_status
        self._allowed = allowed
        self._on_revoked = on_revoked
        self.closed = False

    def _push(self, batch: Batch) -> None:
        if self.check():
            self._on_events(batch)

    def _push_state(self, state: HubState) -> None:
        if self._on_state is not None and self.check():
            self._on_state(state)

    def _push_status(self, status: str) -> None:
        if self._on_status is not None and self.check():
            self._on_status(status)

    def check(self) -> bool:
        """Whether the person may still watch; closes the viewer (and tells the page) when not."""
        if self.closed:
            return False
        if self._allowed is None or self._allowed():
            return True
        self.close()
        if self._on_revoked is not None:
            self._on_revoked()
        return False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._hub._leave(self)
