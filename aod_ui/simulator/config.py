"""The simulator's options, one kw-only dataclass shared by the CLI, the app and the server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ['DEFAULT_TOKEN', 'PROVISION_STAGES', 'Shape', 'SimulatorConfig']

Shape = Literal['provider', 'runtime']

DEFAULT_TOKEN = 'aod_simulator'

# The provisioning stages in the real server's code, in order (`runtime_start` only ever `started`, on every turn;
# `network_policy` only with limited networking). There is no `mcp_config` stage.
PROVISION_STAGES: tuple[str, ...] = (
    'create_sprite', 'install_runtime', 'network_policy', 'env_file', 'git_credentials',
    'provision_setup', 'runtime_config', 'skills', 'runtime_start',
)


@dataclass(kw_only=True)
class SimulatorConfig:
    """Everything that changes how the simulator behaves.

    Delays of the scripted agents are multiplied by `time_scale`; `heartbeat`, `stale_after` and the stream pace
    (`stream_rows`, `stream_pause`) are plain seconds of wall-clock time and are not scaled, so a test can set them
    directly.
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
    #: Pace streams like the real server: read at most `stream_rows` log rows, send them, then sleep `stream_pause`
    #: seconds before the next read, live or replaying (about 200 rows/s). Off, a stream sends rows as soon as they
    #: exist: only for tests that replay large sessions and do not test the pace.
    paced: bool = True
    #: Log rows one read of the stream loop sends at most (the real server: 100).
    stream_rows: int = 100
    #: Seconds a stream sleeps after each read when paced (the real server: 0.5).
    stream_pause: float = 0.5
    #: Newer server code: terminate marks the running turn `interrupted` (the current server leaves it as it was).
    interrupted_turns: bool = False
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
        if self.stream_rows < 1:
            raise ValueError('stream_rows must be at least 1')
        if self.stream_pause < 0:
            raise ValueError('stream_pause must not be negative')
        if self.paced and self.stale_after <= self.stream_pause:
            # The stream would call every session stale before its next read and never deliver another row.
            raise ValueError(f'stale_after ({self.stale_after:g} s) must be longer than stream_pause '
                             f'({self.stream_pause:g} s), or no row after the first read would ever be sent')
        if self.max_active < 1:
            raise ValueError('max_active must be at least 1')
        if self.failing_stage not in PROVISION_STAGES:
            raise ValueError(f'failing_stage must be one of: {", ".join(PROVISION_STAGES)}')
