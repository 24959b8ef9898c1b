"""The dashboard's stylesheet, built ahead of time with Tailwind's compiler (`make styles`).

NiceGUI would otherwise compile Tailwind in every browser: a 260 KB script parsed on every uncached open, a
stylesheet built from the page's class names before it is styled, and rebuilt whenever a class name it has not seen
appears. The compiler here reads every class name in `aod_ui` (Python and scripts) and writes
`aod_ui/static/styles.css`, which is committed: running the dashboard needs no Node.js. Tests rebuild it and fail when
the committed file differs, and check that every Tailwind class a live page shows is in it (`utilities`).

    python -m tools.styles          # rebuild aod_ui/static/styles.css after changing class names
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.npm import ensure_installed

__all__ = ['INPUT', 'OUTPUT', 'build', 'class_names', 'utilities']

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / 'tools' / 'tailwind'
INPUT = FOLDER / 'input.css'
OUTPUT = ROOT / 'aod_ui' / 'static' / 'styles.css'
CLI = FOLDER / 'node_modules' / '@tailwindcss' / 'cli' / 'dist' / 'index.mjs'
DARK = next(line for line in INPUT.read_text().splitlines() if line.startswith('@custom-variant dark'))
"""Dark mode as the dashboard's stylesheet has it (Quasar marks the body, not the root), for telling utilities."""


def _compile(source: Path) -> str:
    """Tailwind's compiler on one input stylesheet: the minified result."""
    ensure_installed(FOLDER, CLI, needs="building the dashboard's stylesheet (Tailwind's compiler)")
    with tempfile.TemporaryDirectory(prefix='aod-ui-styles-') as folder:
        out = Path(folder) / 'styles.css'
        done = subprocess.run(['node', str(CLI), '--input', str(source), '--output', str(out), '--minify'],
                              capture_output=True, text=True, timeout=120, check=False, cwd=FOLDER)
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f'Tailwind failed on {source} (exit code {done.returncode}):\n{done.stderr}')
        return out.read_text()


def build() -> str:
    """The stylesheet for the class names in `aod_ui` now (what `OUTPUT` must hold)."""
    return _compile(INPUT)


def utilities(names: set[str]) -> set[str]:
    """Of these class names, the ones Tailwind makes a rule for (the others are Quasar's, NiceGUI's or no one's)."""
    safe = sorted(name for name in names if name and not set(name) & set('"\\'))
    if not safe:
        return set()
    with tempfile.NamedTemporaryFile('w', suffix='.css', dir=FOLDER, prefix='.probe-') as probe:
        probe.write(f'@import "tailwindcss" source(none);\n@source inline("{" ".join(safe)}");\n{DARK}\n')
        probe.flush()
        return class_names(_compile(Path(probe.name))) & set(safe)


_CLASS = re.compile(r'\.((?:\\.|[\w-])+)')


def class_names(css: str) -> set[str]:
    """Every class name a stylesheet's selectors name, unescaped (`sm\\:w-72` is `sm:w-72`)."""
    return {re.sub(r'\\(.)', r'\1', name) for name in _CLASS.findall(css)}


if __name__ == '__main__':
    OUTPUT.parent.mkdir(exist_ok=True)
    css = build()
    changed = not OUTPUT.exists() or OUTPUT.read_text() != css
    OUTPUT.write_text(css)
    print(f'{OUTPUT.relative_to(ROOT)}: {len(css):,} bytes, {"rebuilt" if changed else "unchanged"}', file=sys.stderr)
