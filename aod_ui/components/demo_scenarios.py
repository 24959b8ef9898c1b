"""New session in demo mode: what the built-in simulator's scripted agents can be asked to do, one click each.

The simulator reads a prompt line `scenario: NAME` (see `aod_ui.simulator.SCENARIOS`); picking a scenario here
writes that line into the prompt, replacing any other, and keeps the rest of what was typed."""

from __future__ import annotations

import re

from nicegui import ui

from ..simulator import SCENARIOS

__all__ = ['SCENARIO_NAMES', 'DemoScenarios', 'with_scenario']

SCENARIO_NAMES = {
    'success': ('Succeeds', 'check_circle',
                'Provisions, thinks, calls tools and a subagent, writes a little stderr, and finishes.'),
    'fail-exit': ('Fails', 'error', 'Starts the task, a tool call fails and the agent exits with an error code.'),
    'fail-provision': ('Provisioning fails', 'report',
                       'A setup stage fails before the agent ever runs (add a line "stage: NAME" to pick which).'),
    'long': ('Runs until stopped', 'all_inclusive', 'Writes a line every second or so; stop it when you like.'),
    'stall': ('Goes quiet', 'hourglass_empty', 'Writes one line, then nothing until stopped: the stream goes stale.'),
    'chatty': ('Floods output', 'bolt', 'Thousands of small output lines a second (for load tests).'),
    'huge': ('Huge output', 'dataset', '100,000 output lines, then finishes (a line "lines: N" changes the count).'),
}
"""Each scenario of the simulator as a person reads it: a name, an icon and what happens."""

_LINE = re.compile(r'^\s*scenario\s*:.*$\n?', re.IGNORECASE | re.MULTILINE)


def with_scenario(prompt: str, name: str) -> str:
    """`prompt` with its `scenario:` line (the simulator reads one anywhere) replaced by one for `name`."""
    kept = _LINE.sub('', prompt).rstrip()
    return f'{kept}\nscenario: {name}' if kept else f'scenario: {name}'


class DemoScenarios(ui.card):
    """Shown above the form in demo mode; `prompt` is the form's prompt field."""

    def __init__(self, prompt: ui.textarea) -> None:
        super().__init__()
        self.prompt = prompt
        self.classes('w-full max-w-3xl gap-2 bg-amber-1 dark:bg-grey-9').props('flat bordered').mark('demo-scenarios')
        with self:
            with ui.row().classes('items-center gap-2'):
                ui.icon('science', size='sm').classes('text-amber-10')
                ui.label('Demo mode: the agents here are scripted').classes('font-semibold')
            ui.label('Pick what the simulated agent does; this writes a line "scenario: NAME" into the prompt, which '
                     'the simulator reads. Without one, the session succeeds.').classes('text-sm opacity-80')
            with ui.element('div').classes('grid grid-cols-1 sm:grid-cols-2 gap-2 w-full'):
                for name in SCENARIOS:
                    title, icon, text = SCENARIO_NAMES[name]
                    with ui.button(on_click=lambda n=name: self.pick(n)).props('flat no-caps align=left') \
                            .classes('w-full text-left').mark(f'scenario-{name}'):
                        with ui.row().classes('items-start gap-2 no-wrap w-full'):
                            ui.icon(icon).classes('mt-1')
                            with ui.column().classes('gap-0 items-start'):
                                ui.label(f'{title} · {name}').classes('font-medium')
                                ui.label(text).classes('text-xs opacity-70 normal-case')

    def pick(self, name: str) -> None:
        self.prompt.value = with_scenario(self.prompt.value or '', name)
        self.prompt.run_method('focus')
