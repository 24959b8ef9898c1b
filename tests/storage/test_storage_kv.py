"""KeyValue, on TinyDB and in memory."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from storage import Store


@pytest.mark.parametrize('value', ['text', 0, 1, -2.5, True, False, None, [], {}, [1, 'a', None, [2]],
                                   {'done': 1200, 'of': 5000, 'last': 'ses_9', 'nested': {'list': [True, 1.5]}}])
def test_round_trip(store: Store, reopen: Callable[[], Store], value: Any) -> None:
    store.kv.set('key', value)
    assert store.kv.get('key') == value
    again = reopen().kv.get('key')
    assert again == value and type(again) is type(value)


def test_tuples_come_back_as_lists(store: Store) -> None:
    store.kv.set('key', (1, (2, 3)))
    assert store.kv.get('key') == [1, [2, 3]]


def test_set_replaces_even_equal_looking_values(store: Store, reopen: Callable[[], Store]) -> None:
    store.kv.set('flag', 1)
    store.kv.set('flag', True)
    assert reopen().kv.get('flag') is True
    store.kv.set('flag', 1.0)
    assert type(reopen().kv.get('flag')) is float


def test_missing_key_gives_the_default(store: Store) -> None:
    assert store.kv.get('nope') is None
    assert store.kv.get('nope', 7) == 7


def test_delete_and_keys(store: Store, reopen: Callable[[], Store]) -> None:
    store.kv.set('b', 1)
    store.kv.set('a', 2)
    store.kv.set('b', 3)
    assert store.kv.keys() == ['b', 'a']
    assert store.kv.delete('b') is True
    assert store.kv.delete('b') is False
    assert reopen().kv.keys() == ['a']


def test_values_are_copies_both_ways(store: Store) -> None:
    value: dict[str, Any] = {'list': [1], 'map': {'a': 1}}
    store.kv.set('key', value)
    value['list'].append(2)
    got = store.kv.get('key')
    got['map']['b'] = 2
    got['list'].clear()
    assert store.kv.get('key') == {'list': [1], 'map': {'a': 1}}


@pytest.mark.parametrize('value', [object(), {1: 'int key'}, {1.5}, math.nan, math.inf, [b'bytes']])
def test_only_json_values_can_be_stored(store: Store, reopen: Callable[[], Store], value: Any) -> None:
    store.kv.set('key', 'before')
    with pytest.raises(TypeError):
        store.kv.set('key', value)
    assert store.kv.get('key') == 'before'
    assert reopen().kv.get('key') == 'before'
