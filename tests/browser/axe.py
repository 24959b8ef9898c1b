"""axe-core, Deque's accessibility checker, run in a page by Playwright.

axe-core comes from npm, pinned by ``tests/browser/package.json`` and its lock file, and is installed once with
``npm ci`` into ``tests/browser/node_modules`` (under a file lock, so parallel test processes install it once).
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

__all__ = ['AXE_SCRIPT', 'ensure_axe', 'serious_violations']

HERE = Path(__file__).resolve().parent
AXE_SCRIPT = HERE / 'node_modules' / 'axe-core' / 'axe.min.js'

def ensure_axe(timeout: float = 300.0) -> Path:
    """Run ``npm ci`` in tests/browser once if axe-core is missing; returns the script to inject."""
    if AXE_SCRIPT.exists():
        return AXE_SCRIPT
    npm = shutil.which('npm')
    if npm is None:
        pytest.fail('npm is required to install axe-core for the accessibility tests (apt-get install npm)')
    with (HERE / '.npm-install.lock').open('w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if AXE_SCRIPT.exists():
                return AXE_SCRIPT
            cmd = [npm, 'ci', '--prefix', str(HERE), '--no-audit', '--no-fund', '--loglevel=error']
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
            if done.returncode != 0 or not AXE_SCRIPT.exists():
                pytest.fail(f'`{" ".join(cmd)}` failed with exit code {done.returncode}:\n{done.stdout}\n{done.stderr}')
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return AXE_SCRIPT


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
