"""What the scripted Claude agents do: one transcript per task type, written as a list of beats.

A beat is a thought, a sentence, a tool call with its result, or a subagent (`Task`) with beats of its own.
`scenarios.py` turns beats into stream-json with `ClaudeWriter`; `{task}` in a text is the prompt's first line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ['TRANSCRIPTS', 'Beat', 'Say', 'Subagent', 'Think', 'Tool', 'Transcript', 'follow_up']


@dataclass(frozen=True)
class Think:
    """A `thinking` block."""

    text: str


@dataclass(frozen=True)
class Say:
    """A `text` block."""

    text: str


@dataclass(frozen=True)
class Tool:
    """A `tool_use` block and, in the next `user` message, its `tool_result`."""

    name: str
    input: dict[str, Any]
    result: str
    is_error: bool = False


@dataclass(frozen=True)
class Subagent:
    """A `Task` tool use whose subagent's messages carry `parent_tool_use_id`."""

    description: str
    prompt: str
    beats: tuple[Beat, ...]
    report: str


Beat = Think | Say | Tool | Subagent


@dataclass(frozen=True)
class Transcript:
    """A task type's whole turn: `beats`, then `summary` as the final text and `result`.

    `fail-exit` plays the first `fail_after` beats, then `failure`, and exits non-zero.
    """

    beats: tuple[Beat, ...]
    summary: str
    failure: tuple[Beat, ...]
    fail_after: int
    stderr: tuple[str, ...] = field(default=())


def _todos(*items: tuple[str, str]) -> dict[str, Any]:
    return {'todos': [{'content': text, 'status': status, 'activeForm': text.rstrip('.') + '…'}
                      for text, status in items]}


def _numbered(text: str, start: int = 1) -> str:
    return '\n'.join(f'{number:>6}\t{line}' for number, line in enumerate(text.splitlines(), start))


_TODO_OK = ('Todos have been modified successfully. Ensure that you continue to use the todo list to track your '
            'progress. Please proceed with the current tasks if applicable')
_EDIT_OK = "The file {path} has been updated. Here's the result of running `cat -n` on a snippet of the edited file:"

_INVOICE = '''from decimal import Decimal

from .tax import tax_for


def invoice_total(lines: list[dict], region: str) -> Decimal:
    subtotal = sum(Decimal(str(line['price'])) * line['qty'] for line in lines)
    rate = tax_for(region)
    total = round(subtotal * (1 + rate), 2)
    return Decimal(total)'''

_PARSE = '''def parse_line(line: str, sep: str = ',') -> tuple[str, list[str]]:
    """Split a record into its key and its remaining fields."""
    head, tail = line.split(sep, 1)
    return head.strip(), [field.strip() for field in tail.split(sep)]'''

CODE_REVIEW = Transcript(
    beats=(
        Think('The user wants a review of the branch. Start from the diff against main, read the changed '
              'modules closely, then run the tests so the findings rest on evidence.'),
        Say("I'll review this branch: {task}. Let me start with the overall diff."),
        Tool('TodoWrite', _todos(('Inspect the diff against main', 'in_progress'), ('Read changed modules', 'pending'),
                                 ('Run the billing tests', 'pending'), ('Write up findings', 'pending')), _TODO_OK),
        Tool('Bash', {'command': 'git diff --stat origin/main...HEAD', 'description': 'Show changed files'},
             ' src/billing/invoice.py        | 48 +++++++++++++-------\n src/billing/tax.py            | 17 ++++---\n'
             ' tests/billing/test_invoice.py | 31 ++++++++++++\n 3 files changed, 79 insertions(+), 17 deletions(-)'),
        Tool('Read', {'file_path': '/workspace/src/billing/invoice.py'}, _numbered(_INVOICE, 33)),
        Tool('Grep', {'pattern': r'round\(', 'path': 'src/billing', 'output_mode': 'content', '-n': True},
             'src/billing/invoice.py:41:    total = round(subtotal * (1 + rate), 2)\n'
             'src/billing/tax.py:12:    return round(amount * rate, 2)'),
        Subagent('Check money rounding rules',
                 'Find every place in src/ that rounds money and report whether it uses Decimal.quantize with '
                 'ROUND_HALF_UP.',
                 (Tool('Grep', {'pattern': r'quantize|round\(', 'path': 'src', 'output_mode': 'files_with_matches'},
                       'src/billing/invoice.py\nsrc/billing/tax.py\nsrc/billing/format.py'),
                  Tool('Read', {'file_path': '/workspace/src/billing/format.py', 'limit': 12},
                       _numbered("CENT = Decimal('0.01')\n\ndef money(value: Decimal) -> str:\n"
                                 "    return str(value.quantize(CENT, ROUND_HALF_UP))")),
                  Say('Two call sites round floats; only format.py uses Decimal.quantize.')),
                 'Found 2 float round() calls on money (invoice.py:41, tax.py:12). Both should use '
                 "Decimal.quantize(Decimal('0.01'), ROUND_HALF_UP) like format.py does."),
        Tool('Bash', {'command': 'python -m pytest tests/billing -q', 'description': 'Run billing tests'},
             '....F.\n=================================== FAILURES ===================================\n'
             '_________________________ test_invoice_total_rounding _________________________\n'
             "E   AssertionError: assert Decimal('10.00') == Decimal('10.01')\n"
             '1 failed, 5 passed in 0.41s', is_error=True),
        Think('The failing test confirms the rounding finding: float round() uses banker-style rounding on a '
              'binary value. That is blocking.'),
    ),
    summary=('## Review\n\n**Blocking**\n1. `src/billing/invoice.py:41` rounds money with float `round()`; '
             '`test_invoice_total_rounding` fails (10.00 vs 10.01). Use `Decimal.quantize(CENT, ROUND_HALF_UP)`.\n\n'
             '**Should fix**\n2. `src/billing/tax.py:12` has the same pattern.\n\n'
             '**Nits**\n3. `invoice_total` wraps an already-decimal value in `Decimal(...)` again.'),
    failure=(Tool('Bash', {'command': 'python -m pytest -q', 'description': 'Run the whole suite'},
                  "ImportError while loading conftest '/workspace/tests/conftest.py'.\n"
                  "tests/conftest.py:3: in <module>\n    from billing.db import engine\n"
                  "E   ModuleNotFoundError: No module named 'billing.db'", is_error=True),
             Say('The test suite cannot be collected (`billing.db` is missing), so I cannot finish the review.')),
    fail_after=5,
    stderr=('warning: refname \'origin/main\' is ambiguous.\n',),
)

DOC_GEN = Transcript(
    beats=(
        Think('Reference docs should follow the exported surface. Find the exports, read their signatures '
              'and doc comments, then write the pages and check them with typedoc.'),
        Say("I'll write reference documentation for: {task}. First, what does the package export?"),
        Tool('Glob', {'pattern': 'src/**/*.ts'},
             '/workspace/src/index.ts\n/workspace/src/client/request.ts\n/workspace/src/client/retry.ts\n'
             '/workspace/src/client/timeout.ts\n/workspace/src/errors.ts'),
        Tool('Read', {'file_path': '/workspace/src/index.ts'},
             _numbered("export { request } from './client/request';\nexport { retry } from './client/retry';\n"
                       "export { withTimeout } from './client/timeout';\nexport * from './errors';")),
        Tool('TodoWrite', _todos(('Collect signatures and doc comments', 'in_progress'),
                                 ('Write docs/reference/client.md', 'pending'), ('Validate with typedoc', 'pending')),
             _TODO_OK),
        Subagent('Collect doc comments of the client module',
                 'List every exported function in src/client with its signature and whether it has a JSDoc block.',
                 (Tool('Grep', {'pattern': '^export (async )?function', 'path': 'src/client', 'output_mode': 'content',
                                '-n': True},
                       'src/client/request.ts:14:export async function request<T>(options: RequestOptions): '
                       'Promise<T> {\nsrc/client/retry.ts:3:export function retry<T>(fn: () => Promise<T>, '
                       'attempts = 3): Promise<T> {\nsrc/client/timeout.ts:5:export function withTimeout<T>(p: '
                       'Promise<T>, ms: number): Promise<T> {'),
                  Tool('Read', {'file_path': '/workspace/src/client/request.ts', 'limit': 14},
                       _numbered('/**\n * Send one HTTP request and decode the JSON answer.\n */')),
                  Say('request() is documented; retry() and withTimeout() have no JSDoc.')),
                 '3 exported functions; retry() and withTimeout() lack JSDoc blocks.'),
        Tool('Edit', {'file_path': '/workspace/docs/reference/client.md', 'old_string': '## Functions\n',
                      'new_string': '## Functions\n\n### `request(options)`\nSend one HTTP request and decode the '
                                    'JSON answer.\n'},
             _EDIT_OK.format(path='/workspace/docs/reference/client.md') + '\n' +
             _numbered('## Functions\n\n### `request(options)`\nSend one HTTP request and decode the JSON answer.', 7)),
        Tool('Bash', {'command': 'npx typedoc --emit none', 'description': 'Validate doc comments'},
             '[info] Validation completed with 0 errors and 2 warnings\n'
             '[warning] retry, defined in src/client/retry.ts, does not have any documentation\n'
             '[warning] withTimeout, defined in src/client/timeout.ts, does not have any documentation'),
        Tool('Edit', {'file_path': '/workspace/src/client/retry.ts', 'old_string': 'export function retry',
                      'new_string': '/** Call `fn` until it resolves, at most `attempts` times. */\n'
                                    'export function retry'},
             _EDIT_OK.format(path='/workspace/src/client/retry.ts')),
    ),
    summary=('Wrote `docs/reference/client.md` (request, retry, withTimeout) and added the missing JSDoc to '
             '`retry()`. typedoc still warns about `withTimeout()`; its behaviour on timeout is unclear to me, '
             'so I left a TODO rather than guess.'),
    failure=(Tool('Bash', {'command': 'npx typedoc --emit none', 'description': 'Validate doc comments'},
                  'npm error code E403\nnpm error 403 Forbidden - GET https://registry.npmjs.org/typedoc',
                  is_error=True),
             Say('typedoc cannot be installed (403 from the registry); stopping here.')),
    fail_after=4,
    stderr=('npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory.\n',),
)

BUG_FIX = Transcript(
    beats=(
        Think('Reproduce before touching anything: call parse_line with a record that has no separator.'),
        Say('Let me reproduce the bug first: {task}.'),
        Tool('Bash', {'command': 'python -c "from csvkit.parse import parse_line; print(parse_line(\'id\'))"',
                      'description': 'Reproduce the crash'},
             'Traceback (most recent call last):\n  File "<string>", line 1, in <module>\n'
             '  File "/workspace/src/csvkit/parse.py", line 3, in parse_line\n    head, tail = line.split(sep, 1)\n'
             'ValueError: not enough values to unpack (expected 2, got 1)', is_error=True),
        Tool('Read', {'file_path': '/workspace/src/csvkit/parse.py'}, _numbered(_PARSE)),
        Tool('TodoWrite', _todos(('Reproduce the crash', 'completed'), ('Fix parse_line', 'in_progress'),
                                 ('Add a regression test', 'pending'), ('Run the suite', 'pending')), _TODO_OK),
        Subagent('Find callers of parse_line',
                 'Find every caller of parse_line and say whether any relies on the ValueError.',
                 (Tool('Grep', {'pattern': 'parse_line', 'path': 'src', 'output_mode': 'content', '-n': True},
                       'src/csvkit/parse.py:1:def parse_line(line: str, sep: str = \',\') -> tuple[str, list[str]]:\n'
                       'src/csvkit/reader.py:33:            key, fields = parse_line(raw, self.sep)'),
                  Say('Only reader.py calls it, and it does not catch ValueError.')),
                 'One caller (reader.py:33); nothing relies on the exception.'),
        Tool('Edit', {'file_path': '/workspace/src/csvkit/parse.py',
                      'old_string': '    head, tail = line.split(sep, 1)',
                      'new_string': '    head, _, tail = line.partition(sep)'},
             _EDIT_OK.format(path='/workspace/src/csvkit/parse.py') + '\n' +
             _numbered('    head, _, tail = line.partition(sep)', 3)),
        Tool('Edit', {'file_path': '/workspace/tests/test_parse.py', 'old_string': '',
                      'new_string': "def test_record_without_separator():\n"
                                    "    assert parse_line('id') == ('id', [''])\n"},
             _EDIT_OK.format(path='/workspace/tests/test_parse.py')),
        Tool('Bash', {'command': 'python -m pytest -q', 'description': 'Run the test suite'},
             '.........\n9 passed in 0.12s'),
        Tool('Write', {'file_path': '/workspace/CHANGELOG.md',
                       'content': '# Changelog\n\n## Unreleased\n\n- `parse_line` accepts a record without a '
                                  'separator.\n'},
             'File created successfully at: /workspace/CHANGELOG.md'),
        Tool('Bash', {'command': 'git checkout -qb fix/parse-line-separator && git commit -qam "Parse records without '
                                 'a separator" && git push -qu origin HEAD && gh pr create --fill',
                      'description': 'Commit, push and open a pull request'},
             '[fix/parse-line-separator 3f9c2ab] Parse records without a separator\n'
             ' 3 files changed, 8 insertions(+), 1 deletion(-)\n'
             'remote: https://github.com/acme/csvkit/tree/fix/parse-line-separator\n'
             'https://github.com/acme/csvkit/pull/128'),
    ),
    summary=('Fixed: `parse_line` crashed on a record without a separator because `split(sep, 1)` returned one '
             'item. It now uses `str.partition`:\n\n```python\nhead, _, tail = line.partition(sep)\n```\n\n'
             'so such a record parses as `(key, [""])`. Added `test_record_without_separator`; **all 9 tests pass**.'
             '\n\nOpened [acme/csvkit#128](https://github.com/acme/csvkit/pull/128) from '
             '`fix/parse-line-separator`.'),
    failure=(Tool('Bash', {'command': 'python -m pytest -q', 'description': 'Run the test suite'},
                  'F........\nFAILED tests/test_reader.py::test_strict_mode - DID NOT RAISE <class \'ValueError\'>\n'
                  '1 failed, 8 passed in 0.15s', is_error=True),
             Say('The change breaks strict mode, which expects the ValueError. I need guidance before going on.')),
    fail_after=4,
    stderr=('fatal: not a git repository (or any of the parent directories): .git\n',),
)

TRANSCRIPTS: dict[str, Transcript] = {'code-review': CODE_REVIEW, 'doc-gen': DOC_GEN, 'bug-fix': BUG_FIX}


def follow_up(task: str) -> Transcript:
    """A short transcript for a follow-up prompt, any task type."""
    return Transcript(
        beats=(
            Think(f'Follow-up request: {task}. Check the current state before changing anything.'),
            Say('Picking up from where we left off.'),
            Tool('Bash', {'command': 'git status --short', 'description': 'See what changed so far'},
                 ' M src/billing/invoice.py\n M tests/billing/test_invoice.py'),
            Tool('Grep', {'pattern': 'TODO', 'path': 'src', 'output_mode': 'count'}, '2'),
        ),
        summary=f'Done with the follow-up: {task}.',
        failure=(Tool('Bash', {'command': 'git stash pop', 'description': 'Restore work in progress'},
                      'error: could not restore untracked files from stash', is_error=True),),
        fail_after=2,
    )
