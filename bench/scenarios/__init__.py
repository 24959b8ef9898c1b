"""The benchmark scenarios, each registered in `bench.registry.SCENARIOS` by its module. A new scenario is a module
here that calls `register(Scenario(...))`, imported below."""

from . import api, archive, connections, finished, latency, load, page_load, scaling, search, soak, throughput
from .load import websocket_load

__all__ = ['api', 'archive', 'connections', 'finished', 'latency', 'load', 'page_load', 'scaling', 'search', 'soak',
           'throughput', 'websocket_load']

from ..registry import SCENARIOS

ORDER = ('connections', 'latency', 'api', 'throughput', 'page_load', 'scaling', 'idle', 'huge', 'list', 'archive',
         'soak', 'load')
"""The order of the run and of the docs' tables; a scenario not named here comes after these."""
for _name in ORDER:
    SCENARIOS[_name] = SCENARIOS.pop(_name)
for _name in [name for name in SCENARIOS if name not in ORDER]:
    SCENARIOS[_name] = SCENARIOS.pop(_name)
