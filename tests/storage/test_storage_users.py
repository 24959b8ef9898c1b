"""Users, on TinyDB and in memory."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from storage import Store, User, memory_store


def make_user(username: str = 'alice', **fields: object) -> User:
    """A user with plausible values, overridden by `fields`."""
    values: dict[str, object] = {'display_name': 'Alice A.', 'email': 'alice@example.com',
                                 'created_at': 1_700_000_000.0}
    values.update(fields)
    return User(username=username, **values)  # type: ignore[arg-type]


def test_round_trip_keeps_every_field(store: Store, reopen: Callable[[], Store]) -> None:
    user = make_user(role='admin', password_hash='$argon2id$v=19$opaque', disabled=True, last_login_at=1_700_000_500.0,
                     auth_source='oidc', extra={'aod_token': {'ciphertext': 'abc', 'nonce': 'n'}, 'theme': 'dark'})
    store.users.add(user)
    assert store.users.get('alice') == user
    assert reopen().users.get('alice') == user
    assert User.from_dict(user.to_dict()) == user


def test_defaults() -> None:
    user = User(username='bob')
    assert (user.role, user.auth_source, user.disabled, user.last_login_at, user.extra) == ('member', 'local', False,
                                                                                           None, {})


def test_usernames_are_lowercase_and_looked_up_in_any_case(store: Store) -> None:
    store.users.add(make_user(' Alice '))
    user = store.users.get('ALICE')
    assert user is not None and user.username == 'alice'
    assert store.users.update('Alice', role='viewer') is not None
    with pytest.raises(ValueError, match='taken'):
        store.users.add(make_user('alice'))
    assert store.users.remove('aLiCe') is True
    assert store.users.count() == 0


def test_all_is_by_username_and_count(store: Store) -> None:
    for name in ['carol', 'alice', 'bob']:
        store.users.add(make_user(name))
    assert [user.username for user in store.users.all()] == ['alice', 'bob', 'carol']
    assert store.users.count() == 3


def test_update(store: Store, reopen: Callable[[], Store]) -> None:
    store.users.add(make_user())
    updated = store.users.update('alice', role='admin', last_login_at=5.0, extra={'k': [1]})
    assert updated == make_user(role='admin', last_login_at=5.0, extra={'k': [1]})
    assert reopen().users.get('alice') == updated
    assert store.users.update('nobody', role='admin') is None


def test_update_refuses_bad_changes(store: Store) -> None:
    store.users.add(make_user())
    with pytest.raises(ValueError):
        store.users.update('alice', role='owner')
    with pytest.raises(ValueError):
        store.users.update('alice', auth_source='ldap')
    with pytest.raises(TypeError, match='username cannot change'):
        store.users.update('alice', username='bob')
    with pytest.raises(TypeError):
        store.users.update('alice', shoe_size=42)
    with pytest.raises(TypeError):
        store.users.update('alice', extra={'when': object()})
    assert store.users.get('alice') == make_user()


def test_remove(store: Store, reopen: Callable[[], Store]) -> None:
    store.users.add(make_user())
    store.users.add(make_user('bob'))
    assert store.users.remove('alice') is True
    assert store.users.remove('alice') is False
    assert [user.username for user in reopen().users.all()] == ['bob']


def test_returned_users_are_copies(store: Store) -> None:
    store.users.add(make_user(extra={'list': [1], 'map': {'a': 1}}))
    user = store.users.get('alice')
    assert user is not None
    user.extra['list'].append(2)
    user.extra['map']['b'] = 2
    user.role = 'admin'
    assert store.users.get('alice') == make_user(extra={'list': [1], 'map': {'a': 1}})


def test_repr_hides_the_password_hash_and_extra() -> None:
    text = repr(make_user(password_hash='SECRET-HASH', extra={'aod_token': 'SECRET-TOKEN'}))
    assert 'SECRET' not in text and 'alice' in text


def test_user_checks_its_fields() -> None:
    with pytest.raises(ValueError):
        User(username='  ')
    with pytest.raises(ValueError):
        User(username='x', role='root')  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        User(username='x', email=None)  # type: ignore[arg-type]


def test_an_openid_identity_is_kept_and_found_exactly(store: Store, reopen: Callable[[], Store]) -> None:
    store.users.add(make_user(auth_source='oidc', oidc_issuer='https://idp.example', oidc_subject='Sub-1',
                              sign_ins_ended_at=1_700_000_100.0))
    store.users.add(make_user('bob', email='alice@example.com'))  # the same address is not the same identity
    for users in (store.users, reopen().users):
        alice = users.by_identity('https://idp.example', 'Sub-1')
        assert alice is not None and alice.username == 'alice' and alice.sign_ins_ended_at == 1_700_000_100.0
        assert users.by_identity('https://idp.example', 'sub-1') is None  # a subject's case matters
        assert users.by_identity('https://other.example', 'Sub-1') is None
        assert users.by_identity('', '') is None
    with pytest.raises(ValueError, match='both issuer and subject'):
        make_user('carol', oidc_subject='only-a-subject')


def test_a_refused_user_says_why_in_words() -> None:
    with pytest.raises(ValueError, match='^a user needs a username$'):
        User(username='  ')
    with pytest.raises(ValueError, match=r"^role must be one of \('admin', 'member', 'viewer'\), not 'root'$"):
        User(username='x', role='root')  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^auth_source must be one of \('local', 'oidc', 'header'\), not 'ldap'$"):
        User(username='x', auth_source='ldap')  # type: ignore[arg-type]
    with pytest.raises(TypeError, match='^email must be text$'):
        User(username='x', email=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match='^extra must be a mapping, not list$'):
        User(username='x', extra=[])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match='^an OpenID Connect identity needs both issuer and subject$'):
        User(username='x', oidc_issuer='https://idp.example')
    with pytest.raises(TypeError, match='^a username cannot change; add a new user and remove the old one$'):
        memory_store().users.update('x', username='y')


def test_a_user_keeps_flags_as_booleans_and_times_as_floats() -> None:
    user = User(username='x', disabled=1, created_at=5, last_login_at=7, sign_ins_ended_at=9)  # type: ignore[arg-type]
    assert user.disabled is True and User(username='x', disabled=0).disabled is False  # type: ignore[arg-type]
    assert (user.created_at, user.last_login_at, user.sign_ins_ended_at) == (5.0, 7.0, 9.0)
    assert all(type(value) is float for value in (user.created_at, user.last_login_at, user.sign_ins_ended_at))


def test_nobody_by_that_name_is_none(store: Store) -> None:
    assert store.users.get('nobody') is None
    store.users.add(make_user())
    assert store.users.get('nobody') is None
