"""The vocabulary of a scripted turn: what a script yields, and what it knows about the turn it plays.

A script is an iterator of `(delay, step)` pairs: wait `delay` real seconds (already time-scaled), then apply
`step`. The runner (`runner.py`) turns steps into stream rows and session state.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from .catalog import AgentSpec, EnvironmentSpec

__all__ = ['Directions', 'Exit', 'Fail', 'Hang', 'Hold', 'Output', 'Script', 'Stage', 'Step', 'TurnPlan',
           'read_prompt']


@dataclass(frozen=True, slots=True)
class Stage:
    """A provisioning `stage` row."""

    stage: str
    state: str
    duration_ms: int | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Output:
    """An `output` row: one chunk on stdout or stderr."""

    stream: str
    data: str


@dataclass(frozen=True, slots=True)
class Exit:
    """The agent process exited; the turn ends with an `exit` event."""

    code: int


@dataclass(frozen=True, slots=True)
class Fail:
    """The turn failed before the agent ran; it ends with an `error` event."""

    message: str = 'Session failed'


@dataclass(frozen=True, slots=True)
class Hang:
    """The agent goes quiet and never finishes on its own (until terminated)."""


@dataclass(frozen=True, slots=True)
class Hold:
    """Real seconds of quiet counted from the moment this step is reached, never shortened to catch up a late
    schedule (the prompt's `wait: N`, which lets viewers be in place before the agent's first output)."""

    seconds: float


Step = Stage | Output | Exit | Fail | Hang | Hold
Script = Iterator[tuple[float, Step]]

_DIRECTIVE = re.compile(r'^\s*(scenario|rate|events|lines|stage|wait|provision)\s*:\s*(\S+)\s*$',
                        re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Directions:
    """What a prompt asks of the simulator: the scenario, its parameters and the task in words."""

    scenario: str
    params: dict[str, str]
    task: str

    def number(self, name: str, default: int) -> int:
        """A positive integer parameter such as `rate: 500`, or `default` when missing or unreadable."""
        try:
            value = int(self.params.get(name, default))
        except ValueError:
            return default
        return value if value > 0 else default


def read_prompt(prompt: str, default_scenario: str) -> Directions:
    """Find `scenario: NAME` and its parameter lines anywhere in the prompt."""
    params = {key.lower(): value for key, value in _DIRECTIVE.findall(prompt)}
    scenario = params.pop('scenario', default_scenario).lower()
    lines = [line.strip() for line in _DIRECTIVE.sub('', prompt).splitlines()]
    task = next((line for line in lines if line), 'the task')
    if len(task) > 120:
        task = task[:119] + '…'
    return Directions(scenario=scenario, params=params, task=task)


@dataclass
class TurnPlan:
    """Everything a script needs to know about the turn it plays."""

    agent: AgentSpec
    environment: EnvironmentSpec | None
    session_id: str
    turn: int
    prompt: str
    has_resources: bool
    rng: random.Random
    time_scale: float
    failing_stage: str
    started: datetime
    #: Unscaled seconds the script has waited so far: the agent's own notion of elapsed time.
    simulated: float = field(default=0.0)

    def wait(self, seconds: float, *, jitter: float = 0.3) -> float:
        """A scripted pause of about `seconds` simulated seconds, returned in real (scaled) seconds."""
        actual = seconds * self.rng.uniform(1 - jitter, 1 + jitter) if jitter else seconds
        self.simulated += actual
        return actual * self.time_scale

    @property
    def simulated_ms(self) -> int:
        return int(self.simulated * 1000)
