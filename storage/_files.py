"""Crash-safe file primitives: replace a file atomically, make it durable, keep the data folder private.

A file is replaced by writing a temporary file in the same folder, flushing and fsyncing it, renaming it over the
old one with `os.replace` (atomic on POSIX), and then fsyncing the folder so the rename itself survives a power cut.
A crash at any point leaves either the complete old file or the complete new one, plus at worst a stray temporary
file, which `remove_stale_temp_files` clears on the next start.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import tempfile
from pathlib import Path

from aod_ui.errors import StorageError

__all__ = [
    'FILE_MODE', 'FOLDER_MODE', 'FileSignature', 'ensure_private_folder', 'file_signature', 'fsync_folder',
    'remove_stale_temp_files', 'replace_file', 'write_atomic',
]

log = logging.getLogger(__name__)

FILE_MODE = 0o600
FOLDER_MODE = 0o700
_TEMP_SUFFIX = '.tmp'

FileSignature = tuple[int, int, int]
"""What identifies one version of a file on disk: inode, size and modification time in nanoseconds."""


def replace_file(path: Path, data: bytes) -> None:
    """Replace the content of `path` with `data` atomically (mode 0600); the folder is not fsynced yet.

    :raises OSError: if anything fails; `path` is then unchanged and no temporary file is left behind
    """
    # mkstemp creates the file with mode 0600 whatever the umask, so the data is never readable by others,
    # not even for the moment before the rename.
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix=_TEMP_SUFFIX)
    try:
        with os.fdopen(descriptor, 'wb') as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def fsync_folder(folder: Path) -> None:
    """Make the creation, rename or removal of files in `folder` durable.

    :raises OSError: if the folder cannot be synced (file systems that do not support it are tolerated)
    """
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0))
    try:
        os.fsync(descriptor)
    except OSError as error:
        # Some file systems (and some network mounts) cannot fsync a folder; the rename is still atomic there.
        if error.errno not in {errno.EINVAL, errno.ENOTSUP, errno.EBADF}:
            raise
    finally:
        os.close(descriptor)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace the content of `path` with `data` atomically and durably (mode 0600).

    :raises OSError: if anything fails before the rename; `path` is then unchanged
    """
    replace_file(path, data)
    fsync_folder(path.parent)


def file_signature(path: Path) -> FileSignature | None:
    """Return what identifies the current version of `path`, or None if it does not exist."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


def remove_stale_temp_files(path: Path) -> None:
    """Remove temporary files that a crash during `replace_file(path, ...)` may have left behind."""
    prefix = f'.{path.name}.'
    with contextlib.suppress(FileNotFoundError):
        for entry in path.parent.iterdir():
            if entry.name.startswith(prefix) and entry.name.endswith(_TEMP_SUFFIX):
                log.info('removing %s, left over from an interrupted write', entry)
                with contextlib.suppress(OSError):
                    entry.unlink()


def ensure_private_folder(folder: Path) -> None:
    """Create `folder` (and its parents) with mode 0700 if it is missing.

    An existing folder keeps its mode, with a warning if others may read it.

    :raises StorageError: if the folder cannot be created or is not a folder
    """
    try:
        if not folder.exists():
            folder.mkdir(parents=True, mode=FOLDER_MODE)
            os.chmod(folder, FOLDER_MODE)  # mkdir's mode is narrowed by the umask, never widened; be exact
            return
        if not folder.is_dir():
            raise StorageError(f'The data folder {folder} is not a folder. '
                               'Point AOD_UI_DATA_DIR at a folder, or move the file aside.')
        mode = stat.S_IMODE(folder.stat().st_mode)
    except OSError as error:
        raise StorageError(f'The data folder {folder} cannot be created or read ({error.strerror}). '
                           'Check that the dashboard may write there, or point AOD_UI_DATA_DIR elsewhere.') from error
    if mode & 0o077:
        log.warning('the data folder %s can be read by other users (mode %o); consider chmod 700', folder, mode)
