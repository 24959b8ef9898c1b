"""The one rule for a session's status as its stream events arrive (`status_after`)."""

from __future__ import annotations

import pytest

from aod_ui.transcript import status_after


@pytest.mark.parametrize(('before', 'events', 'after'), [
    ('running', [{'type': 'exit', 'id': 9, 'code': 0}], 'completed'),
    ('running', [{'type': 'exit', 'id': 9, 'code': 1}], 'failed'),  # exit alone does not mean success
    ('running', [{'type': 'exit', 'id': 9, 'code': 137}], 'failed'),
    ('running', [{'type': 'exit', 'id': 9}], 'failed'),  # no code: nothing says it succeeded
    ('running', [{'type': 'exit', 'id': 9, 'code': False}], 'failed'),
    ('pending', [{'type': 'stage', 'stage': 'install_runtime', 'state': 'failed'},
                 {'type': 'turn_start', 'turn': 1}, {'type': 'output', 'stream': 'stderr', 'data': 'provision failed'},
                 {'type': 'error', 'message': 'Session failed'}], 'failed'),
    ('running', [{'type': 'terminated', 'message': 'Session terminated'}], 'terminated'),
    # pending through provisioning, until just before the runtime starts
    ('pending', [{'type': 'stage', 'stage': 'create_sprite', 'state': 'done'},
                 {'type': 'stage', 'stage': 'network_policy', 'state': 'done'}], 'pending'),
    ('pending', [{'type': 'stage', 'stage': 'runtime_start', 'state': 'started'}], 'running'),
    ('completed', [{'type': 'stage', 'stage': 'runtime_start', 'state': 'started'}], 'running'),  # a follow-up
    ('pending', [{'type': 'turn_start', 'turn': 2}, {'type': 'output', 'stream': 'stdout', 'data': 'x'}], 'running'),
    ('running', [{'type': 'output', 'stream': 'stdout', 'data': 'x'}, {'type': 'exit', 'code': 2}], 'failed'),
    ('running', [{'type': 'stale', 'message': 'No output for 600s'}], 'running'),
    ('running', [{'type': 'checkpoint'}, {'type': 'start', 'provider': 'anthropic'}], 'running'),
    ('failed', [], 'failed'),
])
def test_status_after(before: str, events: list[dict], after: str) -> None:
    assert status_after(before, events) == after
