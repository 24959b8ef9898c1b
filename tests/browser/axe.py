"""axe-core, Deque's accessibility checker, run in a page by Playwright.

axe-core comes from npm, pinned by ``tests/browser/package.json`` and its lock file, and is installed once with
``npm ci`` into ``tests/browser/node_modules`` (under a file lock, so parallel test processes install it once).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tools.npm import NpmError, ensure_installed

__all__ = ['AXE_SCRIPT', 'ensure_axe', 'serious_violations']

HERE = Path(__file__).resolve().parent
AXE_SCRIPT = HERE / 'node_modules' / 'axe-core' / 'axe.min.js'

def ensure_axe(timeout: float = 300.0) -> Path:
    """Run ``npm ci`` in tests/browser once if axe-core is missing; returns the script to inject."""
    try:
        return ensure_installed(HERE, AXE_SCRIPT, needs='the accessibility tests (axe-core)', timeout=timeout)
    except NpmError as error:
        pytest.fail(str(error))


RUN = '''async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\\s+/g, ' '))}));
}'''


async def serious_violations(page: Any) -> list[str]:
    """Run axe on a Playwright (async) page as it is now: one line per serious or critical violation and element.
    Every rule runs; none is turned off."""
    if not await page.evaluate('typeof window.axe !== "undefined"'):
        await page.add_script_tag(path=str(ensure_axe()))
    result = await page.evaluate(RUN)
    return [f'{v["impact"]} {v["id"]} ({v["help"]}) at {node}' for v in result for node in v['nodes']]
