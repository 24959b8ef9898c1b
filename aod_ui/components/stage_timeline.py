"""The provisioning stages of a session as a row of steps with their durations."""

from __future__ import annotations

from nicegui import ui

from ..transcript import StageEntry

__all__ = ['StageTimeline']

STATE_STYLE = {'started': ('autorenew', 'blue-7'), 'done': ('check', 'positive'), 'failed': ('close', 'negative')}


class StageTimeline:
    """Keeps one chip per stage and updates it when the stage finishes or fails."""

    def __init__(self) -> None:
        self._chips: dict[int, ui.chip] = {}
        self._states: dict[int, str] = {}
        with ui.row().classes('w-full items-center gap-1 flex-wrap').mark('stages') as self.row:
            self._empty = ui.label('Waiting for provisioning…').classes('text-sm opacity-60')

    def settle(self) -> None:
        """The agent is running: stages still marked started (`runtime_start` never reports done) are done, and a
        session with no stages recorded is not waiting for any."""
        self._empty.set_visibility(False)
        for key, chip in self._chips.items():
            if self._states.get(key) == 'started':
                self._states[key] = 'done'
                chip.props('icon=check color=positive')

    def show(self, stage: StageEntry) -> None:
        self._empty.set_visibility(False)
        icon, color = STATE_STYLE.get(stage.state, ('help', 'grey-6'))
        text = stage.name.replace('_', ' ')
        if stage.duration_ms is not None:
            text += f' · {stage.duration_ms / 1000:.1f} s'
        chip = self._chips.get(stage.key)
        if chip is None:
            with self.row:
                chip = self._chips[stage.key] = ui.chip(text, icon=icon, color=color, text_color='white') \
                    .props('dense square')
        else:
            chip.text = text
            chip.props(f'icon={icon} color={color}')
        self._states[stage.key] = stage.state
        if stage.message:
            chip.tooltip(stage.message)
