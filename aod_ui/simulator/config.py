"""The simulator's options, one kw-only dataclass shared by the CLI, the app and the server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ['DEFAULT_TOKEN', 'PROVISION_STAGES', 'Shape', 'SimulatorConfig']

Shape = Literal['provider', 'runtime']

DEFAULT_TOKEN = 'aod_simulator'

# The provisioning stages the current server emits, in order (`runtime_start` only ever `started`).
PROVISION_STAGES: tuple[str, ...] = (
    'create_sprite', 'install_runtime', 'network_policy', 'env_file', 'git_credentials',
    'provision_setup', 'runtime_config', 'mcp_config', 'skills', 'runtime_start',
)


@dataclass(kw_only=True)
class SimulatorConfig:
    """Everything that changes how the simulator behaves.

    Delays of the scripted agents are multiplied by `time_scale`; `heartbeat` and `stale_after` are plain
    seconds of wall-clock time and are not scaled, so a test can set them directly.
    """

    host: str = '127.0.0.1'
    #: 0 picks a free port (see `SimulatorServer.url`).
    port: int = 8777
    #: Accepted bearer tokens; each one is its own owner.
    tokens: tuple[str, ...] = (DEFAULT_TOKEN,)
    #: `provider` is the current server's payload shape, `runtime` the older one SDK 0.1.0 expects.
    shape: Shape = 'provider'
    #: Multiplies every scripted delay: 1 is the watchable demo pace, 0.01 runs a session in well under a second.
    time_scale: float = 1.0
    #: Seeds session ids and the agents' scripts.
    seed: int = 0
    #: An owner's pending + running sessions that make `POST /sessions` answer 429.
    max_active: int = 100
    #: Seconds of silence on a stream before a `: heartbeat` comment.
    heartbeat: float = 15.0
    #: Seconds of silence on a stream before a `stale` event ends it.
    stale_after: float = 600.0
    #: The stage that fails in the `fail-provision` scenario (a prompt line `stage: NAME` overrides it).
    failing_stage: str = 'install_runtime'
    #: Serve the `/_sim/` control API (seeding, stats, token revocation, faults).
    control: bool = False
    #: Add `emitted_at` (a `time.time()` float) to every `output` payload, for latency benchmarks.
    stamp_events: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.tokens, str):
            self.tokens = (self.tokens,)
        self.tokens = tuple(self.tokens)
        if not self.tokens:
            raise ValueError('SimulatorConfig needs at least one token')
        if self.shape not in ('provider', 'runtime'):
            raise ValueError(f'shape must be "provider" or "runtime", not {self.shape!r}')
        if self.time_scale < 0:
            raise ValueError('time_scale must not be negative')
        if self.heartbeat <= 0 or self.stale_after <= 0:
            raise ValueError('heartbeat and stale_after must be above zero')
        if self.max_active < 1:
            raise ValueError('max_active must be at least 1')
        if self.failing_stage not in PROVISION_STAGES:
            raise ValueError(f'failing_stage must be one of: {", ".join(PROVISION_STAGES)}')
