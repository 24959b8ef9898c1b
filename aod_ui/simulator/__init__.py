"""An AoD server of our own: the HTTP contract of `docs/aod-api.md`, over real HTTP, with scripted agents.

It is the dashboard's demo backend and the backbone of the tests and benchmarks. Run it alone with
`python -m aod_ui.simulator --port 8777`, or in-process with `SimulatorServer` (see `server.py`).

It is as unkind as the real server: streams are paced like its stream loop (at most `stream_rows` = 100 rows per
read, then `stream_pause` = 0.5 s of sleep, live or replaying; `paced=False` / `--no-pacing` turns that off for tests
that need a backlog at once), a session stays `pending` through provisioning until `runtime_start`, stage names are
the real ones, negative cursors are clamped to 0, and agents belong to a token's owner.

Agents (ids are uuid5 of the name, see `agent_id()`; other tokens than the first have their own copies with ids of
their own, `agent_id(name, owner=token)`): `code-review`, `doc-gen`, `bug-fix` (Claude runtime, stream-json output),
`codex-refactor` (plain text, provider `openai` / runtime `codex`) and the archived `legacy-triage`.

Scenarios, chosen by a line `scenario: NAME` anywhere in a prompt (follow-ups too); see `SCENARIOS`:

- `success`: provisions, works through a realistic task and exits 0 (the default).
- `fail-exit`: hits a failing tool call and exits non-zero; the session ends `failed`.
- `fail-provision`: a provisioning stage fails (`stage: NAME` picks which), then `turn_start`, one stderr line
  "provision failed: ..." and `error` "Session failed".
- `long`: writes output every second or so until terminated.
- `chatty`: exactly `events: N` output events at `rate: N` per real second (defaults 5000 and 2000).
- `huge`: 100,000 output lines; `lines: N`.
- `stall`: goes quiet until terminated, so streams go `stale`.

A prompt line `wait: N` holds any scenario's agent back for N real seconds after provisioning (so viewers can be
in place before its first output); `provision: N` holds the first provisioning stage for N real seconds (so a page
can watch a session being provisioned).
"""

from .app import create_app
from .catalog import AGENTS, ENVIRONMENTS, AgentSpec, EnvironmentSpec, agent_id, environment_id
from .config import DEFAULT_TOKEN, PROVISION_STAGES, SimulatorConfig
from .scenarios import SCENARIOS
from .server import SimulatorServer
from .state import SimSession, SimState

__all__ = [
    'AGENTS',
    'DEFAULT_TOKEN',
    'ENVIRONMENTS',
    'PROVISION_STAGES',
    'SCENARIOS',
    'AgentSpec',
    'EnvironmentSpec',
    'SimSession',
    'SimState',
    'SimulatorConfig',
    'SimulatorServer',
    'agent_id',
    'create_app',
    'environment_id',
]
