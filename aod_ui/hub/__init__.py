"""Live session streams: one upstream connection per watched session, fanned out to every viewer."""

from ._hub import QUIET_AFTER, TERMINAL_TYPES, SessionHub
from ._registry import HubRegistry, spawn_detached
from ._source import StreamSource
from ._viewer import Batch, HubState, Viewer

__all__ = ['QUIET_AFTER', 'TERMINAL_TYPES', 'Batch', 'HubRegistry', 'HubState', 'SessionHub', 'StreamSource', 'Viewer',
           'spawn_detached']
