"""The scenario registry: each scenario registers itself with its targets, and the runner (`python -m bench`) and
the report (`python -m bench.report`) find it here. A scenario is a function of a `Context` that measures once and
returns rows; the runner calls it once per repeat and keeps every repeat's rows in `bench/results/<name>.json`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    """One figure of one repeat: `ours` and the `baseline` (None where the baseline has no such figure)."""

    scenario: str
    metric: str
    ours: float | None
    baseline: float | None
    target: str = ''
    clients: str = ''
    met: bool | None = None
    note: str = ''
    higher_is_better: bool = False

    @property
    def ratio(self) -> float | None:
        """How many times better ours is than the baseline (above 1: ours is better)."""
        if self.ours is None or self.baseline is None or not self.ours or not self.baseline:
            return None
        return self.ours / self.baseline if self.higher_is_better else self.baseline / self.ours


Judge = Callable[[float | None, float | None], bool]
"""Whether a target is met, from the medians over repeats of ours and the baseline."""


@dataclass(frozen=True)
class Target:
    text: str
    judge: Judge
    only: str = ''
    """Judged only in the groups whose label contains this (the others show no target)."""


@dataclass
class Context:
    """What a scenario gets: the running processes, the browser, and how big to make itself."""

    browser: Any
    simulator: Any
    dashboard: Any
    baseline: Any
    quick: bool
    repeat: int
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    """The heading of its table in docs/benchmarks.md."""
    run: Callable[[Context], list[Row]]
    targets: dict[str, Target] = field(default_factory=dict)
    """metric → its target: the report judges it from the repeats' medians."""
    higher_is_better: frozenset[str] = frozenset()
    stack: str = 'shared'
    """`shared`: the common processes (the runner waits between scenarios for viewers to leave); `fresh`: processes
    of its own for every repeat; `unpaced`: its own processes with a simulator that does not pace its streams."""
    default: bool = True
    """In the full run without `--only` (the soak and the load test run on their own)."""
    repeats: int | None = None
    """Repeats regardless of `--repeats` (a scenario that repeats inside itself, or runs once by nature)."""
    explain: str = ''
    """What it measures and how, for the docs (under its table)."""


SCENARIOS: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    if scenario.name in SCENARIOS:
        raise ValueError(f'scenario {scenario.name!r} registered twice')
    SCENARIOS[scenario.name] = scenario
    return scenario
