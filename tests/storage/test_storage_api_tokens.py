"""API tokens in storage: digests only, kept across a restart, beside the people in their file."""

from __future__ import annotations

import json

import pytest

from storage import ApiToken


def token(**changes) -> ApiToken:
    fields = {'id': 't1', 'owner': 'olga', 'name': 'ci', 'digest': 'a' * 64, 'prefix': 'aodui_pat_abcd…',
              'scopes': ('read',), 'created_at': 100.0, 'expires_at': 200.0}
    return ApiToken(**(fields | changes))


def test_tokens_are_kept_across_a_restart_and_found_by_digest(store, reopen):
    store.api_tokens.add(token())
    store.api_tokens.add(token(id='t2', owner='max', digest='b' * 64, created_at=150.0))
    store.api_tokens.update('t1', last_used_at=120.0)
    again = reopen()
    assert again.api_tokens.by_digest('a' * 64).last_used_at == 120.0
    assert [t.id for t in again.api_tokens.of('max')] == ['t2']
    assert [t.id for t in again.api_tokens.all()] == ['t1', 't2']
    assert again.api_tokens.by_digest('c' * 64) is None
    if store.data_dir is not None:
        again.close()
        on_disk = json.loads((store.data_dir / 'users.db.json').read_text())
        assert set(on_disk['api_tokens']) == {'t1', 't2'}


def test_tokens_are_checked_and_ids_unique(store):
    with pytest.raises(ValueError, match='scopes'):
        token(scopes=('read', 'admin'))
    with pytest.raises(ValueError, match='scopes'):
        token(scopes=())
    with pytest.raises(ValueError, match='digest'):
        token(digest='')
    store.api_tokens.add(token())
    with pytest.raises(ValueError, match='taken'):
        store.api_tokens.add(token())
    assert store.api_tokens.remove('t1') and not store.api_tokens.remove('t1')
