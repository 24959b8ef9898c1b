"""One-line tool summaries and display clipping."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from aod_ui.transcript import clip, one_line, summarize_tool


@pytest.mark.parametrize(('name', 'args', 'expected'), [
    ('Bash', {'command': 'ls -la\n  && pwd', 'description': 'list'}, 'Bash: ls -la && pwd'),
    ('Read', {'file_path': '/src/app.py', 'offset': 10}, 'Read: /src/app.py'),
    ('Write', {'file_path': '/a.txt', 'content': 'x' * 10_000}, 'Write: /a.txt'),
    ('Edit', {'file_path': '/b.py', 'old_string': 'a', 'new_string': 'b'}, 'Edit: /b.py'),
    ('MultiEdit', {'file_path': '/c.py', 'edits': []}, 'MultiEdit: /c.py'),
    ('NotebookEdit', {'notebook_path': '/n.ipynb'}, 'NotebookEdit: /n.ipynb'),
    ('Grep', {'pattern': 'def main', 'path': 'src'}, 'Grep: def main in src'),
    ('Glob', {'pattern': '**/*.py'}, 'Glob: **/*.py'),
    ('WebFetch', {'url': 'https://example.com', 'prompt': 'summarize'}, 'WebFetch: https://example.com'),
    ('WebSearch', {'query': 'nicegui'}, 'WebSearch: nicegui'),
    ('Task', {'description': 'Find the bug', 'prompt': 'long'}, 'Task: Find the bug'),
    ('Agent', {'prompt': 'Only a prompt'}, 'Agent: Only a prompt'),
    ('TodoWrite', {'todos': [{'status': 'completed'}, {'status': 'in_progress'}, {'status': 'pending'}]},
     'TodoWrite: 3 todos (1 done, 1 in progress)'),
    ('TodoWrite', {'todos': [{'status': 'pending'}]}, 'TodoWrite: 1 todo'),
    ('TodoWrite', {}, 'TodoWrite: 0 todos'),
    ('mcp__github__create_issue', {'title': 'Bug', 'body': 'x'}, 'mcp__github__create_issue: title=Bug'),
    ('Custom', {'count': 3}, 'Custom: count=3'),
    ('Custom', {}, 'Custom'),
    ('Bash', {}, 'Bash'),
    ('Odd', 'not a dict', 'Odd: not a dict'),
    ('', None, '?'),
])
def test_summaries(name: str, args: object, expected: str) -> None:
    assert summarize_tool(name, args) == expected


def test_summaries_are_one_line_and_at_most_200_characters() -> None:
    summary = summarize_tool('Bash', {'command': 'echo ' + 'word\n' * 10_000_000})
    assert len(summary) == 200 and summary.endswith('…') and '\n' not in summary
    assert len(summarize_tool('Read', {'file_path': 'p' * 199})) == 200
    assert summarize_tool('Bash', {'command': ' ' * 1000 + 'late'}) == 'Bash: late'


def test_one_line_and_clip() -> None:
    assert one_line('  a \n\t b  ') == 'a b'
    assert one_line('x' * 300, 10) == 'x' * 9 + '…'
    assert one_line('abcd efgh', 9) == 'abcd efgh'
    assert one_line('abcd efghi', 9) == 'abcd efg…'
    assert clip('short', 10) == 'short'
    assert clip('0123456789abc', 10) == '0123456789… (3 more characters)'


def test_the_model_imports_no_ui_and_does_no_io() -> None:
    allowed = {'__future__', 'collections', 'collections.abc', 'dataclasses', 'difflib', 'itertools', 'json',
               'operator', 're', 'typing'}
    for path in Path(__file__).parents[2].joinpath('aod_ui', 'transcript').glob('*.py'):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert {alias.name for alias in node.names} <= allowed, path
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                assert node.module in allowed, path
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {'open', 'print', 'input', 'exec', 'eval'}, path
