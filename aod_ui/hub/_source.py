"""The hub's one port to AoD."""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ['StreamSource']


class StreamSource(Protocol):
    """What a hub needs from AoD: the `Upstream` adapter satisfies it."""

    def stream(self, session_id: str, *, since: int | None = None) -> Any: ...

    async def get_session(self, session_id: str) -> Any: ...
