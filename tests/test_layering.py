"""Domain code never imports NiceGUI's `ui`; nothing outside `storage/` imports TinyDB."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ['aod_ui/services', 'aod_ui/hub', 'aod_ui/archive', 'aod_ui/search', 'aod_ui/upstream', 'aod_ui/transcript',
          'aod_ui/simulator', 'aod_ui/api', 'storage']


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
