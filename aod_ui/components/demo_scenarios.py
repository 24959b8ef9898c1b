"""New session in demo mode: what the built-in simulator's scripted agents can be asked to do, one click each.

The simulator reads a prompt line `scenario: NAME` (see `aod_ui.simulator.SCENARIOS`); picking a scenario here
writes that line into the prompt, replacing any other, and keeps the rest of what was typed."""

from __future__ import annotations

import re

from nicegui import ui

from ..simulator import SCENARIOS

__all__ = ['SCENARIO_NAMES', 'DemoScenarios', 'scenario_of', 'with_scenario']

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


def scenario_of(prompt: str) -> str:
    """The scenario a prompt asks the simulator for (its last `scenario:` line; `success` without one)."""
    names = [line.split(':', 1)[1].strip().lower() for line in _LINE.findall(prompt)]
    return names[-1] if names else 'success'


class DemoScenarios(ui.card):
    """Shown above the form in demo mode; `prompt` is the form's prompt field. The scenario the prompt asks for is
    marked and described, also when the line is typed by hand."""

    def __init__(self, prompt: ui.textarea) -> None:
        super().__init__()
        self.prompt = prompt
        self.buttons: dict[str, ui.button] = {}
        self.classes('w-full max-w-3xl gap-2 bg-amber-50 dark:bg-neutral-900').props('flat bordered') \
            .mark('demo-scenarios')
        with self:
            with ui.row().classes('items-center gap-2 no-wrap'):
                ui.icon('science', size='sm').classes('text-amber-700 dark:text-amber-300')
                ui.label('Demo mode: the agents here are scripted').classes('font-semibold')
            ui.label('Pick what the simulated agent does. This writes a line "scenario: NAME" into the prompt, which '
                     'the simulator reads; without one, the session succeeds.').classes('text-sm opacity-80')
            with ui.row().classes('w-full gap-2 flex-wrap'):
                for name in SCENARIOS:
                    title, icon, text = SCENARIO_NAMES[name]
                    self.buttons[name] = ui.button(title, icon=icon, on_click=lambda n=name: self.pick(n)) \
                        .props('no-caps dense rounded').classes('px-2').tooltip(text).mark(f'scenario-{name}')
            self.description = ui.label().classes('text-sm').mark('scenario-description')
        prompt.on_value_change(self.show)
        self.show()

    def pick(self, name: str) -> None:
        self.prompt.value = with_scenario(self.prompt.value or '', name)
        self.prompt.run_method('focus')

    def show(self) -> None:
        chosen = scenario_of(self.prompt.value or '')
        for name, button in self.buttons.items():
            button.props(remove='outline unelevated color').props(
                'unelevated color=primary' if name == chosen else 'outline color=primary')
        title, _, text = SCENARIO_NAMES.get(chosen, (chosen, '', 'The simulator does not know this scenario.'))
        self.description.text = f'{title} (scenario: {chosen}): {text}'
