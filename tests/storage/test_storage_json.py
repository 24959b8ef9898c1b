"""What may be stored, what a refusal says, the bytes written, and the frozen and plain shapes of stored values."""

from __future__ import annotations

import json
import math
from types import MappingProxyType

import pytest

from storage._json import FrozenDict, FrozenList, dumps, freeze, freeze_document, thaw


@pytest.mark.parametrize(('value', 'says'), [
    (math.nan, 'nan cannot be stored: only finite numbers can'),
    (-math.inf, '-inf cannot be stored: only finite numbers can'),
    ({1: 'one'}, "key 1 cannot be stored: keys must be strings"),
    ({'when': {1, 2}}, 'a set cannot be stored: only JSON values (str, int, float, bool, None, list, dict) can'),
    ([b'raw'], 'a bytes cannot be stored: only JSON values (str, int, float, bool, None, list, dict) can'),
])
def test_a_refusal_names_the_value_and_what_can_be_stored(value, says) -> None:
    with pytest.raises(TypeError) as refused:
        freeze(value)
    assert str(refused.value) == says


def test_a_document_must_be_an_object() -> None:
    with pytest.raises(TypeError) as refused:
        freeze_document([{'a': 1}])
    assert str(refused.value) == 'a document must be a mapping, not a list'
    assert freeze_document({'a': [1]}) == {'a': (1,)}


def test_a_change_to_stored_data_says_how_to_change_a_copy() -> None:
    with pytest.raises(TypeError) as refused:
        freeze({'a': 1})['a'] = 2
    assert str(refused.value) == 'stored data is read-only here; copy it with storage.thaw() to change it'


def test_frozen_parts_are_shared_not_copied() -> None:
    frozen_list = freeze([1, [2]])
    frozen_map = freeze({'a': 1})
    assert type(frozen_list) is FrozenList and freeze(frozen_list) is frozen_list
    assert type(frozen_map) is FrozenDict and freeze(frozen_map) is frozen_map
    outer = freeze({'list': frozen_list})
    assert outer['list'] is frozen_list


def test_any_mapping_thaws_into_a_plain_dict() -> None:
    thawed = thaw(MappingProxyType({'a': FrozenList([1, FrozenDict({'b': 2.5})])}))
    assert thawed == {'a': [1, {'b': 2.5}]} and type(thawed) is dict and type(thawed['a'][1]) is dict
    assert [thaw(value) for value in ('s', 3, 2.5, True, None)] == ['s', 3, 2.5, True, None]


def test_the_file_format_is_compact_utf8_without_nan() -> None:
    assert dumps({'name': 'Zoë', 'list': [1, 2]}) == '{"name":"Zoë","list":[1,2]}'.encode()
    with pytest.raises(ValueError):
        dumps({'x': math.nan})
    with pytest.raises(ValueError):
        dumps([math.inf])
    assert json.loads(dumps({'x': 1.5})) == {'x': 1.5}
