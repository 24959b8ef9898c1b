"""How a turn's end reads: stderr that is not a failure, tool calls the end interrupted, a stream-json line cut in
the middle, and the provisioning stages a long session keeps."""

from __future__ import annotations

import json

import pytest

from aod_ui.transcript import (
    NoticeEntry,
    StageEntry,
    StderrEntry,
    StdoutEntry,
    TerminatedEntry,
    ToolEntry,
    Transcript,
    is_failure_line,
)

from .samples import output, stream_json

NOT_FAILURES = [
    'claude-code 2.0.14: model claude-sonnet-4, turn 1',
    "warning: refname 'origin/main' is ambiguous.",
    'npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory.',
    'make: warning: clock skew detected at step 3',
    'Reading prompt from stdin...',
    'DeprecationWarning: pkg_resources is deprecated as an API',
    '  0 errors, 2 warnings',
    'Downloading https://example.com/error-pages.tar.gz',
    'INFO: retrying in 2 s',
]
FAILURES = [
    'Traceback (most recent call last):',
    'ValueError: invalid literal for int()',
    'requests.exceptions.ConnectionError: refused',
    'error: could not compile `app`',
    'error[E0308]: mismatched types',
    'Error: agent stopped after a failed tool call (exit status 1)',
    'fatal: not a git repository (or any of the parent directories): .git',
    'panic: runtime error: index out of range',
    'ERROR: cannot verify the refactor without a working test run',
    'npm ERR! code ETIMEDOUT',
    'provision failed: install_runtime: npm ERR! code ETIMEDOUT',
    'gcc: error: unrecognized option',
    'the build exited with code 2',
]


@pytest.mark.parametrize('line', NOT_FAILURES)
def test_banners_progress_and_warnings_are_not_failures(line: str) -> None:
    assert not is_failure_line(line)


@pytest.mark.parametrize('line', FAILURES)
def test_errors_tracebacks_and_non_zero_exits_are_failures(line: str) -> None:
    assert is_failure_line(line)


def test_a_failure_on_stderr_starts_a_block_of_its_own_and_what_follows_joins_it() -> None:
    transcript = Transcript()
    transcript.feed(output('claude-code 2.0.14\nwarning: slow disk\n', 1, stream='stderr'))
    transcript.feed(output('Traceback (most recent call last):\n  File "x.py", line 1\nKeyError: 1\n', 2,
                           stream='stderr'))
    blocks = [e for e in transcript.entries if isinstance(e, StderrEntry)]
    assert [(b.lines, b.failure) for b in blocks] == [
        (['claude-code 2.0.14', 'warning: slow disk'], False),
        (['Traceback (most recent call last):', '  File "x.py", line 1', 'KeyError: 1'], True)]
    transcript.feed(output('error: one line alone\n', 3, stream='stderr'))
    assert [b.failure for b in transcript.entries if isinstance(b, StderrEntry)] == [False, True]  # joined
    transcript.feed(output('plain stdout\n', 4))
    transcript.feed(output('fatal: again\n', 5, stream='stderr'))
    last = transcript.entries[-1]
    assert isinstance(last, StderrEntry) and last.failure and last.lines == ['fatal: again']


def _tool_use(tool_id: str) -> dict:
    return {'type': 'assistant', 'message': {'content': [
        {'type': 'tool_use', 'id': tool_id, 'name': 'Bash', 'input': {'command': 'sleep 600'}}]}}


@pytest.mark.parametrize('end', [{'type': 'terminated', 'id': 9, 'message': 'Session terminated'},
                                 {'type': 'exit', 'id': 9, 'code': 137},
                                 {'type': 'error', 'id': 9, 'message': 'Session failed'}])
def test_tool_calls_open_when_the_turn_ends_are_interrupted(end: dict) -> None:
    transcript = Transcript()
    transcript.feed(output(stream_json([_tool_use('toolu_done'), {'type': 'user', 'message': {'content': [
        {'type': 'tool_result', 'tool_use_id': 'toolu_done', 'content': 'ok'}]}}, _tool_use('toolu_open')]), 1))
    open_tool = transcript.tool('toolu_open')
    assert isinstance(open_tool, ToolEntry) and open_tool.status == 'pending'
    changes = transcript.feed(end)
    assert open_tool.status == 'interrupted' and transcript.tool('toolu_done').status == 'done'  # type: ignore
    assert ('updated', open_tool.key) in [(c.action, c.entry.key) for c in changes]  # the page hears of it


def test_a_stream_json_line_cut_at_stop_reads_as_cut_off_not_as_a_fragment() -> None:
    transcript = Transcript()
    whole = json.dumps({'type': 'assistant', 'message': {'content': [{'type': 'text', 'text': 'Working.'}]}})
    fragment = '{"type":"user","message":{"rol'
    transcript.feed(output(whole + '\n' + fragment, 1))
    transcript.feed({'type': 'terminated', 'id': 1, 'message': 'Session terminated'})
    notice, ended = transcript.entries[-2:]
    assert isinstance(notice, NoticeEntry) and notice.message.startswith('Output cut off at stop')
    assert f'{len(fragment)} characters' in notice.message
    assert isinstance(ended, TerminatedEntry)
    assert not [e for e in transcript.entries if isinstance(e, StdoutEntry)]  # no raw JSON shown as text
    assert transcript.raw.lines.texts()[-1] == fragment  # the raw output keeps it as received


def test_plain_text_cut_at_stop_and_json_completed_by_its_newline_are_kept_as_they_are() -> None:
    transcript = Transcript()
    transcript.feed(output('{"not": "closed"\nhalf a plain line', 1))
    transcript.feed({'type': 'terminated', 'id': 1, 'message': 'Session terminated'})
    block = next(e for e in transcript.entries if isinstance(e, StdoutEntry))
    assert block.lines == ['{"not": "closed"', 'half a plain line']
    assert not [e for e in transcript.entries if isinstance(e, NoticeEntry)]


def test_the_stages_outlive_the_hold() -> None:
    transcript = Transcript(merge_lines=10, hold=200)
    for number, stage in enumerate(['create_sprite', 'install_runtime'], start=1):
        transcript.feed({'type': 'stage', 'id': 2 * number, 'stage': stage, 'state': 'started'})
        transcript.feed({'type': 'stage', 'id': 2 * number + 1, 'stage': stage, 'state': 'done', 'duration_ms': 900})
    transcript.feed({'type': 'stage', 'id': 6, 'stage': 'runtime_start', 'state': 'started'})
    for n in range(5000):
        transcript.feed(output(f'line {n}\n', 10 + n))
    assert not [e for e in transcript.entries if isinstance(e, StageEntry)]  # the entries were let go
    assert [(s.name, s.state) for s in transcript.stages] == [
        ('create_sprite', 'done'), ('install_runtime', 'done'), ('runtime_start', 'started')]
