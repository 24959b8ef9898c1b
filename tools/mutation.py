"""Mutation testing of the dashboard's core with mutmut, one module at a time, and the report in docs/testing.md.

    python tools/mutation.py run [MODULE ...]   measure the named modules (all measurable ones without names)
    python tools/mutation.py report             rewrite the report from the stored results only
    python tools/mutation.py list               the core modules and the tests that measure each

A full run over the whole core takes hours on two cores, so each module is measured on its own, in a work folder
of its own (`.mutation/<module>/`, which also keeps mutmut's cache), against a bounded selection of fast tests (no
browser, no OpenID Connect provider): `CORE` below says which. Results are kept in `docs/mutation-results.json`, so
a later run of one module keeps the figures of the others; the report in `docs/testing.md` (between the markers)
is written from that file and from `docs/mutation-equivalents.toml`, where each surviving mutant that no test can
kill is named with the reason. Nothing in the report is written by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / '.mutation'
RESULTS = ROOT / 'docs' / 'mutation-results.json'
EQUIVALENTS = ROOT / 'docs' / 'mutation-equivalents.toml'
REPORT = ROOT / 'docs' / 'testing.md'
BEGIN, END = '<!-- mutation report: begin (written by tools/mutation.py) -->', '<!-- mutation report: end -->'
MUTMUT = Path(sys.executable).with_name('mutmut')
SKIP = {'node_modules', '__pycache__', '.pytest_cache', 'mutants'}

CORE: dict[str, list[str]] = {
    # module: the fast tests that measure it (empty: not measurable with fast tests yet)
    'aod_ui/services/_policy.py': ['tests/services/test_policy.py'],
    'aod_ui/services/_sessions.py': ['tests/services/test_actions.py', 'tests/services/test_session_rules.py',
                                     'tests/tokens/test_merged_list.py',
                                     'tests/archive/test_history.py::'
                                     'test_sessions_deleted_upstream_stay_readable_with_their_visibility',
                                     'tests/archive/test_history.py::'
                                     'test_a_follow_up_reopens_a_session_archived_whole_and_archives_the_new_turn'],
    'aod_ui/services/_shared_reads.py': ['tests/services/test_actions.py', 'tests/services/test_session_rules.py',
                                         'tests/tokens/test_merged_list.py'],
    'aod_ui/services/_people.py': ['tests/services/test_sign_in.py', 'tests/services/test_people.py'],
    'aod_ui/services/_retention.py': ['tests/retention/test_retention_rules.py',
                                      'tests/services/test_actions.py::test_retention_runs_are_for_admins_only',
                                      'tests/archive/test_archive_retention.py',
                                      'tests/archive/test_history.py::'
                                      'test_the_dry_run_lists_archived_copies_and_archive_retention_removes_them'],
    'aod_ui/services/_fleet.py': ['tests/services/test_fleet.py'],
    'aod_ui/services/_tokens.py': ['tests/tokens/test_tokens.py', 'tests/tokens/test_token_rules.py'],
    'aod_ui/services/_identity.py': ['tests/services/test_identity.py'],
    # with the test OpenID Connect provider (a Node.js process each run starts: about a second)
    'aod_ui/services/_provider_accounts.py': ['tests/services/test_provider_accounts.py'],
    'aod_ui/services/_audit.py': ['tests/services/test_audit_service.py'],
    'aod_ui/services/_passwords.py': ['tests/services/test_passwords.py'],
    'aod_ui/hub/_hub.py': ['tests/hub'],
    'aod_ui/hub/_registry.py': ['tests/hub/test_registry.py',
                                'tests/hub/test_hub.py::test_many_viewers_share_one_upstream_stream',
                                'tests/hub/test_hub.py::test_hub_stops_when_the_last_viewer_leaves',
                                'tests/hub/test_hub.py::test_shared_tasks_start_in_a_fresh_context',
                                'tests/hub/test_hub.py::test_follow_up_reconnects_for_the_next_turn',
                                'tests/hub/test_hub.py::test_deleted_session_reads_as_gone',
                                'tests/hub/test_guarantees.py::'
                                'test_the_hub_lingers_after_the_last_viewer_and_a_returning_viewer_keeps_it',
                                'tests/archive/test_archive_hub.py::'
                                'test_a_finished_archived_session_opens_after_a_restart_without_a_stream'],
    'aod_ui/upstream/_sse.py': ['tests/upstream/test_sse.py'],
    'aod_ui/upstream/_client.py': ['tests/upstream'],
    'aod_ui/upstream/_models.py': ['tests/upstream'],
    'aod_ui/transcript/_entries.py': ['tests/transcript'],
    'aod_ui/transcript/_transcript.py': ['tests/transcript'],
    'aod_ui/transcript/_claude.py': ['tests/transcript'],
    'aod_ui/transcript/_lines.py': ['tests/transcript'],
    'aod_ui/transcript/_raw.py': ['tests/transcript'],
    'aod_ui/transcript/_text.py': ['tests/transcript'],
    'aod_ui/transcript/_export.py': ['tests/transcript'],
    'aod_ui/transcript/_store.py': ['tests/transcript'],
    'aod_ui/transcript/_status.py': ['tests/transcript/test_status.py'],
    'aod_ui/auth/__init__.py': [],  # page tests (NiceGUI's user fixture) and browsers only
    'aod_ui/auth/oidc.py': [],
    'aod_ui/auth/_browsers.py': [  # the sweep itself, without a dashboard
                               'tests/oidc/test_browser_storage.py::test_only_the_storage_of_live_sign_ins_stays',
                               'tests/oidc/test_browser_storage.py::test_one_run_looks_at_a_bounded_number_of_files',
                               'tests/oidc/test_browser_storage.py::test_a_missing_folder_is_nothing_to_sweep',
                               'tests/oidc/test_browser_storage.py::test_files_younger_than_the_grace_period_stay',
                               'tests/oidc/test_browser_storage.py::test_only_browser_storage_files_are_touched',
                               'tests/oidc/test_browser_storage.py::test_a_sign_in_needs_a_name_and_a_time_to_count',
                               'tests/oidc/test_browser_storage.py::test_without_a_time_given_the_sweep_uses_the_clock',
                               'tests/oidc/test_browser_storage.py::test_the_sweep_repeats_and_survives_its_own_failures'],
    'aod_ui/auth/_provider_check.py': ['tests/services/test_provider_accounts.py',
                                       'tests/services/test_provider_check.py'],
    'storage/kv.py': ['tests/storage/test_storage_kv.py'],
    'storage/users.py': ['tests/storage/test_storage_users.py'],
    'storage/sessions.py': ['tests/storage/test_storage_sessions.py', 'tests/storage/test_storage_session_defaults.py'],
    'storage/audit.py': ['tests/storage/test_storage_audit.py', 'tests/storage/test_storage_audit_export.py'],
    'storage/_jsonl.py': ['tests/storage/test_storage_jsonl.py', 'tests/storage/test_storage_audit_file.py'],
    'storage/_files.py': ['tests/storage/test_storage_files.py', 'tests/storage/test_storage_crash.py'],
    'storage/_json.py': ['tests/storage'],
    'storage/_tinydb.py': ['tests/storage'],
    'storage/tables.py': ['tests/storage'],
    'storage/store.py': ['tests/storage/test_storage_store.py'],
    'storage/aio.py': ['tests/storage/test_storage_threads.py'],
    'storage/schema.py': ['tests/storage/test_storage_store.py', 'tests/storage/test_storage_files.py'],
}
SLOW = {  # why a module with tests is not measured yet
    'aod_ui/hub/_hub.py': 'its tests follow live sessions (about 45 s): some 450 mutants take hours on two cores',
    'aod_ui/services/_sessions.py': 'its matrix is 130 tests: some 470 mutants take over an hour on two cores',
    'aod_ui/services/_shared_reads.py': 'split from `_sessions.py` (measured by the same tests); not run yet',
    'aod_ui/services/_tokens.py': 'not run yet',
    'aod_ui/services/_retention.py': 'a run cut off after 700 s judged 254 of 483 mutants (170 killed), before the '
                                     'archive changed the module; to be measured again',
}
DETECTED = ('killed', 'timeout')
DESELECT = [
    # reads the source itself, which mutmut rewrites
    'tests/transcript/test_summaries.py::test_the_model_imports_no_ui_and_does_no_io',
    # runs main.py in a process of its own; mutmut's copy of the code has no main.py (test_token_rules covers rotation)
    'tests/tokens/test_tokens.py::test_cli_sets_a_token_from_standard_input_only',
]


def slug(module: str) -> str:
    return module.removesuffix('.py').replace('/', '.')


def _mirror(source: Path, target: Path) -> None:
    """`target` as a tree of real folders holding links to `source`'s files (mutmut copies what it needs)."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.name in SKIP:
            continue
        link = target / entry.name
        if entry.is_dir():
            _mirror(entry, link)
        elif not link.exists():
            link.symlink_to(entry)


def prepare(module: str, tests: list[str]) -> Path:
    """The module's work folder: the code and tests linked in, and a pyproject.toml telling mutmut what to do."""
    folder = WORK / slug(module)
    config = ROOT.joinpath('pyproject.toml').read_text()
    config += f'\n# tests: {_fingerprint(tests)} (mutmut does not notice changed tests; a new fingerprint starts over)'
    config += '\n[tool.mutmut]\n' + '\n'.join([
        'source_paths = ["aod_ui", "storage"]',
        f'only_mutate = ["{module}"]',
        'also_copy = ["tools"]',  # the test helpers' own tools (the Node package installer of the OIDC provider)
        f'pytest_add_cli_args_test_selection = {json.dumps(tests)}',
        'pytest_add_cli_args = ' + json.dumps(['-p', 'no:cacheprovider', '-W', 'ignore',
                                                *(arg for test in DESELECT for arg in ('--deselect', test))]),
    ]) + '\n'
    stale = folder / 'pyproject.toml'
    if stale.exists() and stale.read_text() != config:
        shutil.rmtree(folder)  # another selection: start over rather than trust the cache
    folder.mkdir(parents=True, exist_ok=True)
    for name in ('aod_ui', 'storage', 'main.py'):
        if not (folder / name).exists():
            (folder / name).symlink_to(ROOT / name)
    _mirror(ROOT / 'tests', folder / 'tests')
    _mirror(ROOT / 'tools', folder / 'tools')
    (folder / 'pyproject.toml').write_text(config)
    return folder


def _fingerprint(tests: list[str]) -> str:
    digest = hashlib.sha256()
    for test in tests:
        path = ROOT / test.partition('::')[0]
        for file in sorted(path.rglob('*.py')) if path.is_dir() else [path]:
            digest.update(file.read_bytes())
    for helper in ('tests/conftest.py', 'tests/helpers.py'):
        digest.update((ROOT / helper).read_bytes())
    return digest.hexdigest()[:16]


def run(module: str, limit: float) -> dict | None:
    tests = CORE[module]
    folder = prepare(module, tests)
    print(f'== {module}: mutmut over {" ".join(tests)} (at most {limit:g} s)', flush=True)
    started = time.monotonic()
    log = (folder / 'mutmut-run.log').open('w')
    process = subprocess.Popen(['nice', '-n', '10', str(MUTMUT), 'run', '--max-children', '1'], cwd=folder,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        process.wait(timeout=limit)
        complete = process.returncode == 0
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
        complete = False
    statuses = read_statuses(folder)
    if not statuses or set(statuses.values()) == {'not checked'}:  # nothing judged: the tests did not even start
        print(f'   no results (see {folder / "mutmut-run.log"})')
        return None
    survivors = sorted(name for name, status in statuses.items() if status not in DETECTED
                       and status not in {'not checked', 'no tests'})
    untested: dict[str, int] = {}
    for name, status in statuses.items():
        if status == 'no tests':
            function = function_of(name)
            untested[function] = untested.get(function, 0) + 1
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    result = {'tests': tests, 'measured_at': datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC'),
              'seconds': round(time.monotonic() - started), 'complete': complete and 'not checked' not in counts,
              'counts': counts, 'survivors': diffs(folder, survivors), 'untested': untested}
    print(f'   {score_text(result)} killed in {result["seconds"]} s', flush=True)
    return result


def read_statuses(folder: Path) -> dict[str, str]:
    answer = subprocess.run([str(MUTMUT), 'results', '--all', 'true'], cwd=folder, capture_output=True, text=True)
    statuses = {}
    for line in answer.stdout.splitlines():
        name, _, status = line.strip().rpartition(': ')
        if name:
            statuses[name] = status
    return statuses


_DIFFS = """
import json, sys
from mutmut.__main__ import find_mutant, get_diff_for_mutant
names = json.load(sys.stdin)
print(json.dumps({name: get_diff_for_mutant(name, path=find_mutant(name).path) for name in names}))
"""


def diffs(folder: Path, names: list[str]) -> dict[str, str]:
    """Each mutant's change, as the lines it removes and adds (asked of mutmut in one process)."""
    if not names:
        return {}
    answer = subprocess.run([sys.executable, '-c', _DIFFS], cwd=folder, input=json.dumps(names),
                            capture_output=True, text=True, check=True)
    full = json.loads(answer.stdout.splitlines()[-1])
    return {name: '\n'.join(line for line in full[name].splitlines() if re.match(r'^[-+](?![-+])', line))
            for name in names}


def function_of(name: str) -> str:
    """`aod_ui.x.xǁClassǁmethod__mutmut_3` → `Class.method`; `x_function__mutmut_3` → `function`."""
    local = name.rpartition('.')[2].rpartition('__mutmut_')[0]
    if local.startswith('xǁ'):
        return '.'.join(local[2:].split('ǁ'))
    return local.removeprefix('x_')


def score(result: dict) -> float | None:
    counts = result['counts']
    judged = sum(n for status, n in counts.items() if status not in {'not checked', 'skipped'})
    return 100 * sum(counts.get(s, 0) for s in DETECTED) / judged if judged else None


def score_text(result: dict) -> str:
    value = score(result)
    counts = result['counts']
    detected = sum(counts.get(s, 0) for s in DETECTED)
    judged = sum(n for status, n in counts.items() if status not in {'not checked', 'skipped'})
    return f'{detected}/{judged}' + (f' ({value:.0f} %)' if value is not None else '')


def changed_since(module: str, measured_at: str) -> bool:
    """Whether the module's last commit is newer than its measurement (its figures then describe older code)."""
    answer = subprocess.run(['git', 'log', '-1', '--format=%ct', '--', module], cwd=ROOT, capture_output=True,
                            text=True)
    committed = int(answer.stdout.strip() or 0)
    measured = datetime.strptime(measured_at, '%Y-%m-%d %H:%M UTC').replace(tzinfo=UTC).timestamp()
    return committed > measured + 60


def load_results() -> dict[str, dict]:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def report(results: dict[str, dict]) -> None:
    equivalents = tomllib.loads(EQUIVALENTS.read_text()) if EQUIVALENTS.exists() else {}
    lines = [BEGIN, '', '| module | tests | killed | score | survivors | measured |',
             '|---|---|---|---|---|---|']
    for module, tests in CORE.items():
        result = results.get(module)
        if result is None:
            why = f'not measured yet: {SLOW.get(module, "not run yet")}' if tests else 'no fast tests measure it yet'
            lines.append(f'| `{module}` | {", ".join(f"`{t}`" for t in tests) or "—"} | — | — | — | {why} |')
            continue
        value = score(result)
        survivors = result['survivors']
        explained = sum(1 for name in survivors if name in equivalents)
        untested_count = sum(result.get('untested', {}).values())
        mark = '' if result['complete'] else ' (partial: cut off)'
        if changed_since(module, result['measured_at']):
            mark += ' (the module changed since: to be measured again)'
        detected = sum(result['counts'].get(s, 0) for s in DETECTED)
        judged = sum(n for status, n in result['counts'].items() if status not in {'not checked', 'skipped'})
        lines.append(f'| `{module}` | {", ".join(f"`{t}`" for t in result["tests"])} | {detected}/{judged} | '
                     f'{"" if value is None else f"{value:.0f} %"} | {len(survivors)} ({explained} equivalent)'
                     f'{f", {untested_count} not reached" if untested_count else ""} | '
                     f'{result["measured_at"]}{mark} |')
    measured = [m for m in CORE if m in results]
    lines += ['', f'Measured: {len(measured)} of {len(CORE)} core modules. Not yet measured: '
              + (', '.join(f'`{m}`' for m in CORE if m not in results) or 'none') + '.', '']
    for module in measured:
        survivors = results[module]['survivors']
        untested = results[module].get('untested', {})
        if not survivors and not untested:
            continue
        lines += [f'### Surviving mutants of `{module}`', '']
        if untested:
            lines += ['Not reached by the selected tests (mutants per function): ' + ', '.join(
                f'`{function}` {count}' for function, count in sorted(untested.items())) + '.', '']
        for name, diff in survivors.items():
            reason = equivalents.get(name)
            lines.append(f'- `{name.rpartition(".")[2]}`: ' + (f'equivalent: {reason}' if reason else
                                                              '**not yet killed**'))
            lines += ['  ```diff', *(f'  {line}' for line in diff.splitlines()), '  ```']
        lines.append('')
    lines.append(END)
    text = REPORT.read_text() if REPORT.exists() else f'# Testing\n\n{BEGIN}\n{END}\n'
    start, end = text.index(BEGIN), text.index(END) + len(END)
    REPORT.write_text(text[:start] + '\n'.join(lines) + text[end:])
    print(f'wrote {REPORT.relative_to(ROOT)}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('command', choices=['run', 'report', 'list'])
    parser.add_argument('modules', nargs='*', help='core modules by path (default: every measurable one)')
    parser.add_argument('--limit', type=float, default=1800, help='seconds per module before it is cut off')
    args = parser.parse_intermixed_args()
    if args.command == 'list':
        for module, tests in CORE.items():
            print(f'{module:40} {" ".join(tests) or "(no fast tests)"}')
        return
    results = load_results()
    if args.command == 'run':
        unknown = [m for m in args.modules if m not in CORE]
        if unknown:
            parser.error(f'not a core module: {", ".join(unknown)} (see `list`)')
        for module in args.modules or [m for m, tests in CORE.items() if tests]:
            if not CORE[module]:
                print(f'== {module}: no fast tests measure it yet; skipped')
                continue
            result = run(module, args.limit)
            if result is not None:
                results = {**load_results(), module: result}  # the stored figures of other modules stay
                RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + '\n')
    report(results)


if __name__ == '__main__':
    main()
