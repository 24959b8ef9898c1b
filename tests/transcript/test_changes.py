"""What the agent changed: diffs from edit tool calls and plain `git diff` output, links, the summary, and that
it survives the hold letting entries go."""

from __future__ import annotations

from typing import Any

from aod_ui.transcript import ChangeSet, ChangeSummary, Link, ToolEntry, Transcript, changes_of, find_links

from .samples import output, session, stream_json


def tool(tool_id: str, name: str, args: dict[str, Any], *, parent: str | None = None) -> dict[str, Any]:
    line = {'type': 'assistant', 'message': {'content': [{'type': 'tool_use', 'id': tool_id, 'name': name,
                                                           'input': args}]}}
    if parent:
        line['parent_tool_use_id'] = parent
    return line


def result(tool_id: str, text: str = 'ok', *, error: bool = False) -> dict[str, Any]:
    return {'type': 'user', 'message': {'content': [{'type': 'tool_result', 'tool_use_id': tool_id,
                                                     'content': text, 'is_error': error}]}}


def say(text: str) -> dict[str, Any]:
    return {'type': 'assistant', 'message': {'content': [{'type': 'text', 'text': text}]}}


def fed(objects: list[dict[str, Any]], **options: Any) -> Transcript:
    transcript = Transcript(**options)
    for event in session(stream_json(objects)):
        transcript.feed(event)
    return transcript


def test_an_edit_becomes_a_diff_of_its_file_anchored_at_its_tool_call() -> None:
    transcript = fed([tool('t1', 'Edit', {'file_path': '/w/app.py', 'old_string': 'a = 1\nb = 2\nc = 3\n',
                                          'new_string': 'a = 1\nb = 20\nc = 3\n'}), result('t1')])
    file = transcript.changes.files['/w/app.py']
    [edit] = file.edits
    assert edit.lines == ['@@', ' a = 1', '-b = 2', '+b = 20', ' c = 3']
    assert (file.added, file.removed) == (1, 1)
    entry = transcript.get(edit.entry)
    assert isinstance(entry, ToolEntry) and entry.tool_use_id == 't1'
    assert transcript.changes.summary() == ChangeSummary(1, 1, 1, ())


def test_write_multiedit_and_notebook_edits_group_by_file() -> None:
    transcript = fed([
        tool('w', 'Write', {'file_path': '/w/new.md', 'content': '# Title\n\nBody\n'}), result('w'),
        tool('m', 'MultiEdit', {'file_path': '/w/app.py', 'edits': [
            {'old_string': 'x', 'new_string': 'y'}, {'old_string': 'p\nq', 'new_string': 'p'}]}), result('m'),
        tool('e', 'Edit', {'file_path': '/w/new.md', 'old_string': 'Body', 'new_string': 'Text\nMore'}), result('e'),
        tool('n', 'NotebookEdit', {'notebook_path': '/w/nb.ipynb', 'cell_id': 'c3', 'new_source': 'print(1)',
                                   'edit_mode': 'insert'}), result('n'),
    ])
    files = transcript.changes.files
    assert list(files) == ['/w/new.md', '/w/app.py', '/w/nb.ipynb']
    assert [e.tool for e in files['/w/new.md'].edits] == ['Write', 'Edit']
    assert files['/w/new.md'].edits[0].lines == ['@@', '+# Title', '+', '+Body']
    assert (files['/w/new.md'].added, files['/w/new.md'].removed) == (5, 1)
    assert (files['/w/app.py'].added, files['/w/app.py'].removed) == (1, 2)
    assert files['/w/nb.ipynb'].edits[0].lines == ['@@ cell c3 (insert)', '+print(1)']
    assert transcript.changes.summary() == ChangeSummary(3, 7, 3, ())


def test_a_failed_edit_is_kept_but_not_counted() -> None:
    transcript = fed([tool('t1', 'Edit', {'file_path': '/w/a.py', 'old_string': 'x', 'new_string': 'y'}),
                      result('t1', 'String to replace not found', error=True),
                      tool('t2', 'Edit', {'file_path': '/w/b.py', 'old_string': 'x', 'new_string': 'y'}),
                      result('t2')])
    changes = transcript.changes
    assert changes.files['/w/a.py'].edits[0].failed
    assert not changes.files['/w/a.py'].applied
    assert changes.summary() == ChangeSummary(1, 1, 1, ())


def test_a_subagents_edit_counts_too() -> None:
    transcript = fed([tool('task', 'Task', {'description': 'fix it', 'prompt': 'fix'}),
                      tool('t1', 'Write', {'file_path': '/w/a.txt', 'content': 'hi'}, parent='task'),
                      result('t1'), result('task', 'done')])
    assert transcript.changes.summary().files == 1


def test_links_from_text_results_and_the_final_result() -> None:
    transcript = fed([
        say('Opened https://github.com/acme/shop/pull/42.'),
        tool('b', 'Bash', {'command': 'git push'}),
        result('b', 'https://github.com/acme/shop/tree/fix/rounding\n'
                    '[fix/rounding 1a2b3c4d] commit https://github.com/acme/shop/commit/1a2b3c4d5e6f'),
        {'type': 'result', 'subtype': 'success', 'result': 'See https://github.com/acme/shop/pull/42 again'},
    ])
    assert [(link.kind, link.label) for link in transcript.changes.links.values()] == [
        ('pull', 'acme/shop#42'), ('branch', 'acme/shop:fix/rounding'), ('commit', 'acme/shop@1a2b3c4')]


def test_find_links_ignores_lookalikes() -> None:
    assert find_links('https://github.com.evil.example/a/b/pull/1 https://gitlab.com/a/b/pull/2 '
                      'https://github.com/a/b/pull/new/branch javascript:https://github.com/a/b/pull/x') == []
    assert find_links('(https://github.com/o/r.git/commit/abcdef0)') == [
        Link('commit', 'https://github.com/o/r/commit/abcdef0', 'o/r@abcdef0')]


def test_a_git_diff_in_plain_output_becomes_edits() -> None:
    text = ('[t] turn diff:\n'
            'diff --git a/src/api/client.py b/src/api/client.py\n'
            'index 1111111..2222222 100644\n'
            '--- a/src/api/client.py\n'
            '+++ b/src/api/client.py\n'
            '@@ -10,3 +10,3 @@ import json\n'
            ' \n'
            '-def fetch_json(url: str) -> dict:\n'
            '+def get_json(url: str) -> dict:\n'
            'diff --git a/src/cli.py b/src/cli.py\n'
            '-    data = fetch_json(args.url)\n'
            '+    data = get_json(args.url)\n'
            '[t] tokens used: 1\n'
            '+ not a diff line any more\n')
    transcript = Transcript()
    transcript.feed({'type': 'turn_start', 'turn': 1})
    for index, cut in enumerate(range(0, len(text), 37)):  # lines cut across output events
        transcript.feed(output(text[cut:cut + 37], 10 + index))
    files = transcript.changes.files
    assert list(files) == ['src/api/client.py', 'src/cli.py']
    assert files['src/api/client.py'].edits[0].lines == [
        '@@ -10,3 +10,3 @@ import json', ' ', '-def fetch_json(url: str) -> dict:', '+def get_json(url: str) -> dict:']
    assert (files['src/cli.py'].added, files['src/cli.py'].removed) == (1, 1)
    assert transcript.changes.files['src/cli.py'].edits[0].entry is not None
    assert transcript.changes.summary() == ChangeSummary(2, 2, 2, ())


def test_a_plain_unified_diff_without_git_header() -> None:
    changes = ChangeSet()
    changes.plain_lines(['--- a/notes.txt', '+++ b/notes.txt', '@@ -1 +1 @@', '-old', '+new', 'done.'], 3)
    assert changes.files['notes.txt'].edits[0].lines == ['@@ -1 +1 @@', '-old', '+new']


def test_the_change_set_outlives_the_entries_the_hold_lets_go() -> None:
    objects = [tool('t1', 'Write', {'file_path': '/w/first.py', 'content': 'x = 1\n'}), result('t1')]
    objects += [say(f'line {n}') for n in range(300)]
    transcript = fed(objects, hold=50)
    assert transcript.top_dropped > 0
    assert transcript.changes.summary().files == 1


def test_changes_of_the_earlier_events_merge_before_the_held_ones() -> None:
    events = session(stream_json([
        tool('t1', 'Write', {'file_path': '/w/a.py', 'content': 'a\n'}), result('t1'),
        say('https://github.com/o/r/pull/1'),
        tool('t2', 'Edit', {'file_path': '/w/a.py', 'old_string': 'a', 'new_string': 'b'}), result('t2'),
        tool('t3', 'Write', {'file_path': '/w/b.py', 'content': 'b\n'}), result('t3'),
    ]), cuts=None)
    whole = changes_of(events)
    split = 5  # start, stages and part of the output, then the rest
    tail = Transcript()
    for event in events[split:]:
        tail.feed(event)
    tail.changes.merge_before(changes_of(events[:split]))
    assert tail.changes.summary() == whole.summary()
    assert [f.path for f in tail.changes.files.values()] == ['/w/a.py', '/w/b.py']


def test_diff_lines_beyond_the_limit_are_counted_not_kept() -> None:
    changes = ChangeSet(diff_chars=100)
    changes.tool_call('Write', {'file_path': 'big.txt', 'content': 'x' * 200 + '\ny\n'}, 't', 1)
    changes.tool_call('Write', {'file_path': 'small.txt', 'content': 'z\n'}, 'u', 2)
    big, small = changes.files['big.txt'].edits[0], changes.files['small.txt'].edits[0]
    assert big.clipped and big.lines == [] and big.added == 2
    assert not small.clipped and small.lines == ['@@', '+z']


def test_summary_round_trips_and_refuses_foreign_links() -> None:
    summary = ChangeSummary(2, 10, 3, (Link('pull', 'https://github.com/o/r/pull/1', 'o/r#1'),))
    assert ChangeSummary.from_dict(summary.to_dict()) == summary
    forged = {'files': 1, 'added': 0, 'removed': 0, 'links': [['pull', 'javascript:alert(1)', 'x']]}
    assert ChangeSummary.from_dict(forged) == ChangeSummary(1, 0, 0, ())
    assert ChangeSummary.from_dict('nonsense') is None
