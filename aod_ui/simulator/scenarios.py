"""Scenarios: how a turn goes, chosen by a line `scenario: NAME` anywhere in the prompt.

Without such a line a turn plays the agent's default scenario (`success`). Follow-up prompts choose theirs
the same way. `SCENARIOS` maps each name to a one-line description (the README's list is generated from it).
"""

from __future__ import annotations

from .claude_agent import claude_script
from .config import PROVISION_STAGES
from .plain_agent import plain_script
from .steps import Directions, Fail, Hold, Output, Script, Stage, TurnPlan, read_prompt

__all__ = ['SCENARIOS', 'build_script', 'provision_stages']

SCENARIOS: dict[str, str] = {
    'success': 'Provisions, works through a realistic task (thinking, tool calls, a subagent, some stderr) '
               'and exits 0. The default.',
    'fail-exit': 'Provisions, starts the task, hits a failing tool call and exits non-zero; the session ends '
                 '`failed` with that exit code.',
    'fail-provision': 'A provisioning stage fails with a message (the configured failing stage, or the one named '
                      'by a prompt line `stage: NAME`), then `turn_start`, one stderr line "provision failed: ..." '
                      'and `error` "Session failed"; the session ends `failed` without ever running.',
    'long': 'Provisions, then writes output every second or so and never finishes on its own: stop it with '
            'terminate.',
    'chatty': 'Provisions, then exactly `events: N` output events (default 5000), one whole line each, at '
              '`rate: N` events per real second (not time-scaled; default 2000), and exits 0. For benchmarks.',
    'huge': '100,000 output lines in large chunks, then exits 0; a prompt line `lines: N` changes the count.',
    'stall': 'Provisions, writes its first line, then nothing until terminated, so streams go `stale`.',
}

# Simulated seconds each provisioning stage takes.
_STAGE_SECONDS = {'create_sprite': 2.5, 'install_runtime': 2.0, 'network_policy': 0.3, 'env_file': 0.2,
                  'git_credentials': 0.6, 'provision_setup': 2.2, 'runtime_config': 0.3, 'skills': 0.4,
                  'runtime_start': 0.3}
_STAGE_FAILURES = {
    'create_sprite': 'No sandbox capacity in region iad; try again in a few minutes',
    'install_runtime': 'npm ERR! code ETIMEDOUT: network timeout installing @anthropic-ai/claude-code',
    'network_policy': 'Could not apply the egress policy: allowed host list is invalid',
    'env_file': 'Could not write /workspace/.env: permission denied',
    'git_credentials': 'Repository access denied: the authorization token was rejected by GitHub',
    'provision_setup': "Setup script exited with status 1: ERROR: No matching distribution found for 'tomli<0'",
    'runtime_config': 'Invalid runtime configuration: unknown model',
    'skills': "Skill 'docs-style' version 3 not found",
    'runtime_start': 'The agent runtime did not start: exit status 127',
}


def provision_stages(plan: TurnPlan) -> list[str]:
    """The stages this turn goes through, as the real server's code runs them: skipped stages emit nothing
    (`network_policy` runs only with limited networking, `git_credentials` only with resources, `skills` only when
    the agent has some; `provision_setup` always), and later turns only restart the runtime."""
    if plan.turn > 1:
        return ['runtime_start']
    skipped = set()
    if plan.environment is None or plan.environment.networking.get('type') != 'limited':
        skipped.add('network_policy')
    if not plan.has_resources:
        skipped.add('git_credentials')
    if not plan.agent.skills:
        skipped.add('skills')
    return [stage for stage in PROVISION_STAGES if stage not in skipped]


def build_script(plan: TurnPlan) -> Script:
    """The whole turn: provisioning, then the agent's scenario (or a failed stage and `Fail`)."""
    directions = read_prompt(plan.prompt, plan.agent.default_scenario)
    unknown = directions.scenario not in SCENARIOS
    if unknown:
        directions = Directions(scenario=plan.agent.default_scenario, params=directions.params, task=directions.task)
    stages = provision_stages(plan)
    failing = None
    if directions.scenario == 'fail-provision':
        wanted = directions.params.get('stage', plan.failing_stage)
        failing = wanted if wanted in stages else stages[-1]
    held = directions.number('provision', 0)  # real seconds inside the first stage, for every scenario
    for stage in stages:
        yield plan.wait(0.1), Stage(stage, 'started')
        if held and stage == stages[0]:
            yield 0.0, Hold(held)
        if stage == failing:
            seconds = _STAGE_SECONDS[stage]
            message = _STAGE_FAILURES[stage]
            yield plan.wait(seconds), Stage(stage, 'failed', int(seconds * 1000), message)
            # the real server then writes one stderr line (so the stream announces the turn), and ends with `error`
            yield plan.wait(0.05), Output('stderr', f'provision failed: {stage}: {message}\n')
            yield plan.wait(0.2), Fail()
            return
        if stage == 'runtime_start':
            continue
        before = plan.simulated
        delay = plan.wait(_STAGE_SECONDS[stage])
        yield delay, Stage(stage, 'done', duration_ms=int((plan.simulated - before) * 1000))
    if unknown:
        yield plan.wait(0.1), Output('stderr', f'simulator: unknown scenario, playing {directions.scenario!r}; '
                                               f'known: {", ".join(SCENARIOS)}\n')
    agent = claude_script(plan, directions) if plan.agent.family == 'claude' else plain_script(plan, directions)
    wait = directions.number('wait', 0)  # real seconds before the agent's first event, for every scenario
    if wait:
        yield 0.0, Hold(wait)
    yield from agent
