"""How long a running session has been silent, as the hub saw it: the fact the session page's live line reads."""

from __future__ import annotations

import pytest

from aod_ui.hub import QUIET_AFTER

from ..helpers import CODEX, eventually
from .test_hub import Recorder, ended, launch, registry

__all__ = ['registry']  # a fixture shared with test_hub.py


async def test_a_silent_running_session_reads_as_quiet_after_the_threshold(upstream, registry):
    session_id = await launch(upstream, 'scenario: stall', agent=CODEX)
    hub = registry.hub(session_id)
    recorder = Recorder()
    hub.join(recorder.on_events, recorder.on_state)
    await eventually(lambda: any(e.get('type') == 'output' for e in recorder.events) and hub.state.phase == 'live')
    last = hub.last_output_at
    assert last is not None and hub.quiet_for() is None  # it just wrote
    assert hub.quiet_for(last + QUIET_AFTER - 1) is None
    assert hub.quiet_for(last + QUIET_AFTER + 240) == pytest.approx(QUIET_AFTER + 240)
    await upstream.terminate(session_id)
    await eventually(lambda: ended(recorder))
    assert hub.quiet_for(last + 3600) is None  # over: not quiet, ended
