"""Search tests: an archive read from the test simulator through the real adapter, and its index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aod_ui.archive import Archive
from aod_ui.search import SearchIndex

from ..archive.conftest import folder  # noqa: F401  (a fixture shared with the archive's tests)


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    return tmp_path / 'data' / 'search.sqlite'


@pytest.fixture
def indexed(folder: Path, index_path: Path) -> Iterator[tuple[Archive, SearchIndex]]:  # noqa: F811
    """An archive whose writes feed a running index."""
    archive = Archive(folder)
    archive.open()
    index = SearchIndex(index_path, folder)
    archive.listener = index
    index.start()
    yield archive, index
    index.stop()
