"""Fixtures for the storage tests: the same store on TinyDB files and in memory, so every repository test runs on
both and the two cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storage import Store, memory_store, open_store


@pytest.fixture(params=['tinydb', 'memory'])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store: files in a temporary folder, or memory only."""
    opened = open_store(tmp_path / 'data') if request.param == 'tinydb' else memory_store()
    yield opened
    opened.close()


@pytest.fixture
def reopen(store: Store) -> Callable[[], Store]:
    """Returns the store as a restarted dashboard would see it: the files opened anew (memory: the same store)."""
    def reopen_store() -> Store:
        return open_store(store.data_dir) if store.data_dir is not None else store
    return reopen_store

