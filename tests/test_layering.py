"""Domain code never imports NiceGUI's `ui`; nothing outside `storage/` imports TinyDB; pages reach AoD and the
store only through the services."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ['aod_ui/services', 'aod_ui/hub', 'aod_ui/archive', 'aod_ui/search', 'aod_ui/upstream', 'aod_ui/transcript',
          'aod_ui/markup', 'aod_ui/simulator', 'aod_ui/api', 'storage']
MODULE_LINES = 400


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f'{node.module}.{alias.name}' for alias in node.names)
    return names


def test_domain_code_does_not_import_ui():
    offenders = [str(p.relative_to(ROOT)) for folder in DOMAIN for p in (ROOT / folder).rglob('*.py')
                 if {'nicegui.ui', 'nicegui.ui.ui'} & _imports(p)]
    assert not offenders


def test_only_storage_imports_tinydb():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / 'aod_ui').rglob('*.py')
                 if any(name == 'tinydb' or name.startswith('tinydb.') for name in _imports(p))]
    offenders += [str(p.relative_to(ROOT)) for p in [ROOT / 'main.py']
                  if any(name.startswith('tinydb') for name in _imports(p))]
    assert not offenders


def test_pages_import_neither_upstream_nor_storage():
    def reaches_past_services(name: str) -> bool:
        return (name in {'storage', 'aod_ui.upstream', 'upstream', 'aod_sdk', 'aod', 'tinydb'}
                or name.startswith(('storage.', 'aod_ui.upstream.', 'upstream.', 'aod.', 'tinydb.')))

    # (`from ..upstream import x` reads as module `upstream`)
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / 'aod_ui/pages').rglob('*.py')
                 if any(reaches_past_services(name) for name in _imports(p))]
    assert not offenders


def test_page_functions_only_compose():
    """A page function arranges components; anything longer than 40 lines belongs in a component or a service."""
    long = []
    for path in (ROOT / 'aod_ui/pages').glob('*.py'):
        for node in ast.walk(ast.parse(path.read_text())):
            registered = isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and any(
                isinstance(d, ast.Call) and getattr(d.func, 'id', '') in {'page', 'route'} for d in node.decorator_list)
            if registered and node.end_lineno - node.lineno + 1 > 40:
                long.append(f'{path.name}:{node.name}')
    assert not long


def test_no_module_is_longer_than_a_reader_keeps_in_mind():
    """A module past 400 lines holds more than one idea: split it along its seam."""
    long = [f'{path.relative_to(ROOT)}: {lines} lines' for folder in ('aod_ui', 'storage')
            for path in sorted((ROOT / folder).rglob('*.py'))
            if (lines := len(path.read_text().splitlines())) > MODULE_LINES]
    assert not long, long
