"""The simulator's fixed agents and environments, as Python data and as API payloads.

Ids are uuid5 of the name, so tests and docs can name them without asking the server. Agents belong to an owner, as
in AoD: the first configured token's owner has the catalog's agents with the plain ids (`agent_id(name)`), every
other owner its own copies with ids of their own (`agent_id(name, owner=token)`), so different tokens see different
agents and another owner's agent is not found. Environments are shared.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from .config import Shape

__all__ = [
    'AGENTS', 'ENVIRONMENTS', 'AgentSpec', 'EnvironmentSpec', 'Family', 'agent_by_id', 'agent_id',
    'agent_json', 'agents_of', 'environment_by_id', 'environment_id', 'environment_json', 'family_json',
    'isoformat',
]

Family = Literal['claude', 'codex']

NAMESPACE = uuid.UUID('5b0e1c8e-6c1a-4f0e-9d7a-2f1d3c4b5a69')
CATALOG_EPOCH = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

# What each runtime family is called in each payload shape.
FAMILY_NAMES: dict[Family, dict[Shape, str]] = {
    'claude': {'provider': 'anthropic', 'runtime': 'claude-code'},
    'codex': {'provider': 'openai', 'runtime': 'codex'},
}


def agent_id(name: str, owner: str = '') -> str:
    """The fixed id of the agent called `name` that `owner` (a token other than the first configured one) has;
    without an owner, of the first configured token's agent."""
    return str(uuid.uuid5(NAMESPACE, f'{owner}/agent/{name}' if owner else f'agent/{name}'))


def environment_id(name: str) -> str:
    """The fixed id of the simulator's environment called `name`."""
    return str(uuid.uuid5(NAMESPACE, f'environment/{name}'))


def isoformat(moment: datetime) -> str:
    """An aware datetime as the server writes it (ISO 8601, UTC, `Z`)."""
    return moment.astimezone(UTC).isoformat().replace('+00:00', 'Z')


def family_json(family: Family, shape: Shape) -> dict[str, str]:
    """The runtime-family field of a payload: `{"provider": ...}` or `{"runtime": ...}`."""
    return {shape: FAMILY_NAMES[family][shape]}


@dataclass(frozen=True)
class EnvironmentSpec:
    """One environment the simulator offers."""

    name: str
    packages: dict[str, list[str]]
    setup_script: str | None = None
    networking: dict[str, Any] = field(default_factory=lambda: {'type': 'unrestricted', 'allowed_hosts': []})
    age_days: int = 30
    archived: bool = False

    @property
    def id(self) -> str:
        return environment_id(self.name)

    @property
    def created_at(self) -> datetime:
        return CATALOG_EPOCH - timedelta(days=self.age_days)


@dataclass(frozen=True)
class AgentSpec:
    """One scripted agent: what `GET /agents` shows and which script it plays."""

    name: str
    description: str
    family: Family
    model: str
    environment: str
    system: str = ''
    skills: tuple[dict[str, Any], ...] = ()
    mcp_servers: tuple[dict[str, Any], ...] = ()
    default_scenario: str = 'success'
    age_days: int = 10
    archived: bool = False
    #: The owner of this copy; empty for the first configured token's (the catalog's own ids).
    owner: str = ''

    @property
    def id(self) -> str:
        return agent_id(self.name, self.owner)

    @property
    def environment_id(self) -> str:
        return environment_id(self.environment)

    @property
    def created_at(self) -> datetime:
        return CATALOG_EPOCH - timedelta(days=self.age_days)


_GITHUB_MCP = {'name': 'github', 'type': 'url', 'url': 'https://api.githubcopilot.com/mcp/', 'command': None}

ENVIRONMENTS: tuple[EnvironmentSpec, ...] = (
    EnvironmentSpec('python-3.12', {'apt': ['git', 'ripgrep'], 'pip': ['pytest', 'ruff', 'mypy']},
                    setup_script='pip install -e .[test]', age_days=40),
    EnvironmentSpec('node-22', {'apt': ['git'], 'npm': ['typescript', 'typedoc']},
                    networking={'type': 'limited', 'allowed_hosts': ['registry.npmjs.org', 'github.com']},
                    age_days=35),
    EnvironmentSpec('minimal', {}, age_days=20),
    EnvironmentSpec('legacy-python-3.8', {'pip': ['nose']}, age_days=400, archived=True),
)

AGENTS: tuple[AgentSpec, ...] = (
    AgentSpec('code-review', 'Reviews a branch or pull request and reports findings by severity.', 'claude',
              'claude-sonnet-4-5', 'python-3.12',
              system='You are a careful senior reviewer. Report real problems, not style nits.',
              mcp_servers=(_GITHUB_MCP,), age_days=12),
    AgentSpec('doc-gen', 'Writes and updates reference documentation from the source code.', 'claude',
              'claude-sonnet-4-5', 'node-22', system='You write concise, accurate developer documentation.',
              skills=({'name': 'docs-style', 'version': 3},), age_days=9),
    AgentSpec('bug-fix', 'Reproduces a reported bug, fixes it and adds a regression test.', 'claude',
              'claude-opus-4-1', 'python-3.12', system='Reproduce first, then fix with the smallest change.',
              mcp_servers=(_GITHUB_MCP,), age_days=6),
    AgentSpec('codex-refactor', 'Mechanical refactors across a repository (plain-text output).', 'codex',
              'gpt-5-codex', 'minimal', system='Refactor without changing behaviour.', age_days=3),
    AgentSpec('legacy-triage', 'Old issue triage agent, kept for its history.', 'claude',
              'claude-3-5-sonnet', 'legacy-python-3.8', age_days=300, archived=True),
)

_AGENTS_BY_ID = {spec.id: spec for spec in AGENTS}
_ENVIRONMENTS_BY_ID = {spec.id: spec for spec in ENVIRONMENTS}


def agent_by_id(value: str) -> AgentSpec | None:
    """The first configured token's agent with this id (archived ones too), or None."""
    return _AGENTS_BY_ID.get(value)


def agents_of(owner: str) -> tuple[AgentSpec, ...]:
    """The catalog as `owner` has it: the catalog itself for '' (the first token), copies with their own ids else."""
    return tuple(replace(spec, owner=owner) for spec in AGENTS) if owner else AGENTS


def environment_by_id(value: str) -> EnvironmentSpec | None:
    """The environment with this id (archived ones too), or None."""
    return _ENVIRONMENTS_BY_ID.get(value)


def agent_json(spec: AgentSpec, shape: Shape) -> dict[str, Any]:
    """The Agent payload of `GET /agents` and `GET /agents/{id}`."""
    created = isoformat(spec.created_at)
    return {
        'id': spec.id,
        'type': 'agent',
        'name': spec.name,
        'description': spec.description,
        'system': spec.system,
        'model': spec.model,
        **family_json(spec.family, shape),
        'environment_id': spec.environment_id,
        'skills': [dict(skill) for skill in spec.skills],
        'mcp_servers': [dict(server) for server in spec.mcp_servers],
        'metadata': {'simulated': True, 'task': spec.name},
        'version': 1,
        'archived_at': isoformat(CATALOG_EPOCH) if spec.archived else None,
        'created_at': created,
        'updated_at': created,
    }


def environment_json(spec: EnvironmentSpec) -> dict[str, Any]:
    """The Environment payload of `GET /environments` (env_vars are never returned)."""
    created = isoformat(spec.created_at)
    return {
        'id': spec.id,
        'type': 'environment',
        'name': spec.name,
        'packages': {manager: list(names) for manager, names in spec.packages.items()},
        'setup_script': spec.setup_script,
        'networking': {'type': spec.networking['type'], 'allowed_hosts': list(spec.networking['allowed_hosts'])},
        'version': 1,
        'archived_at': isoformat(CATALOG_EPOCH) if spec.archived else None,
        'created_at': created,
        'updated_at': created,
    }
