"""Node packages that building and testing the dashboard need, each folder pinned by its `package.json` and lock file
and installed once with `npm ci` (under a file lock, so parallel test processes install it once)."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

__all__ = ['NpmError', 'ensure_installed']


class NpmError(RuntimeError):
    """Node.js or npm is missing, or `npm ci` failed: the message says which and how to fix it."""


def ensure_installed(folder: Path, marker: Path, *, needs: str, timeout: float = 300.0) -> Path:
    """Run `npm ci` in `folder` unless `marker` (a file the install brings) exists; returns `marker`. `needs` names
    what the packages are for, in the error when Node.js or npm is missing."""
    if marker.exists():
        return marker
    for tool in ('node', 'npm'):
        if shutil.which(tool) is None:
            raise NpmError(f'`{tool}` was not found on PATH; {needs} needs Node.js >= 18 and npm '
                           '(Debian: apt-get install nodejs npm).')
    with (folder / '.npm-install.lock').open('w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if marker.exists():
                return marker
            command = ['npm', 'ci', '--prefix', str(folder), '--no-audit', '--no-fund', '--loglevel=error']
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
            except subprocess.TimeoutExpired as error:
                raise NpmError(f'`{" ".join(command)}` did not finish within {timeout:.0f} s') from error
            if done.returncode != 0 or not marker.exists():
                raise NpmError(f'`{" ".join(command)}` failed with exit code {done.returncode}:\n'
                               f'{done.stdout}\n{done.stderr}')
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return marker
