"""JSON values in two shapes: *frozen* (read-only, safe to share from a cache) and *thawed* (plain, the caller's own).

The storage caches keep every stored value frozen: nested lists become `FrozenList` (a tuple) and nested objects
`FrozenDict` (a dict that refuses changes). Reading then only copies the top level of each document, which is cheap,
and nothing a caller does to what it got back can reach the cache: the top level is its own copy and anything deeper
raises `TypeError` when changed. `thaw` turns a frozen value back into plain lists and dicts.

`freeze` is also the one place that decides what may be stored: JSON values only (str, int, float without NaN or
infinity, bool, None, lists, tuples and dicts with string keys), so the file and the in-memory store refuse the same
things.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, NoReturn

__all__ = ['FrozenDict', 'FrozenList', 'dumps', 'freeze', 'freeze_document', 'thaw']

_SCALARS = frozenset({str, int, bool, type(None)})


class FrozenDict(dict[str, Any]):
    """A dict that refuses every change; only `freeze` should build one, so its values are frozen too."""

    __slots__ = ()

    def _refuse(self) -> NoReturn:
        raise TypeError('stored data is read-only here; copy it with storage.thaw() to change it')

    def __setitem__(self, key: str, value: Any) -> NoReturn:
        self._refuse()

    def __delitem__(self, key: str) -> NoReturn:
        self._refuse()

    def __ior__(self, other: Any) -> NoReturn:  # type: ignore[misc]
        self._refuse()

    def clear(self) -> NoReturn:
        self._refuse()

    def pop(self, *args: Any) -> NoReturn:
        self._refuse()

    def popitem(self) -> NoReturn:
        self._refuse()

    def setdefault(self, *args: Any) -> NoReturn:
        self._refuse()

    def update(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse()


class FrozenList(tuple[Any, ...]):
    """A read-only list of frozen values; JSON writes it as a list."""

    __slots__ = ()


def freeze(value: Any) -> Any:
    """Return a frozen deep copy of a JSON value (frozen parts are shared, not copied).

    :raises TypeError: if the value holds anything JSON cannot represent
    """
    kind = type(value)
    if kind in _SCALARS or kind is FrozenDict or kind is FrozenList:
        return value
    if kind is float:
        if not math.isfinite(value):
            raise TypeError(f'{value!r} cannot be stored: only finite numbers can')
        return value
    if isinstance(value, Mapping):
        items = {}
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError(f'key {key!r} cannot be stored: keys must be strings')
            items[key] = freeze(item)
        return FrozenDict(items)
    if isinstance(value, list | tuple):
        return FrozenList(freeze(item) for item in value)
    raise TypeError(f'a {kind.__name__} cannot be stored: only JSON values '
                    '(str, int, float, bool, None, list, dict) can')


def freeze_document(document: Mapping[str, Any]) -> FrozenDict:
    """Freeze one stored document (a JSON object).

    :raises TypeError: if it is not a mapping or holds anything JSON cannot represent
    """
    if not isinstance(document, Mapping):
        raise TypeError(f'a document must be a mapping, not a {type(document).__name__}')
    frozen: FrozenDict = freeze(document)
    return frozen


def thaw(value: Any) -> Any:
    """Return a plain, mutable deep copy of a JSON value: lists for sequences, dicts for mappings."""
    kind = type(value)
    if kind in _SCALARS or kind is float:
        return value
    if kind is FrozenDict or kind is dict or (kind is not FrozenList and isinstance(value, Mapping)):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(item) for item in value]
    return value


def dumps(value: Any) -> bytes:
    """Encode a JSON value as compact UTF-8, refusing NaN and infinity (they are not JSON)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(',', ':')).encode()
