"""The adapter through which the dashboard talks to AoD (see `_client.py` for the gaps it closes)."""

from ._client import Upstream, UpstreamStatus, public_url
from ._models import (
    Ack,
    AgentInfo,
    EnvironmentInfo,
    SessionInfo,
    StreamEvent,
    TurnInfo,
    parse_time,
)
from ._sse import parse_sse

__all__ = [
    'Ack',
    'AgentInfo',
    'EnvironmentInfo',
    'SessionInfo',
    'StreamEvent',
    'TurnInfo',
    'Upstream',
    'UpstreamStatus',
    'parse_sse',
    'parse_time',
    'public_url',
]
