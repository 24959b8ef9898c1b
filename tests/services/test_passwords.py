"""Password hashes of local accounts (scrypt with a salt of its own per password) and the strength rules."""

from __future__ import annotations

import base64
import hashlib

import pytest

from aod_ui.services._passwords import MIN_PASSWORD_LENGTH, check_password_strength, hash_password, verify_password


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip('=')


def scrypt_hash(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> str:
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=128 * 1024 * 1024)
    return f'scrypt${n}${r}${p}${b64(salt)}${b64(digest)}'


def test_a_hash_names_its_cost_and_salt_and_verifies_only_its_password() -> None:
    stored = hash_password('correct horse battery')
    scheme, n, r, p, salt, digest = stored.split('$')
    assert (scheme, n, r, p) == ('scrypt', '16384', '8', '1')
    assert (len(salt), len(digest)) == (22, 43)  # 16 and 32 bytes, base64 without padding
    assert stored == scrypt_hash('correct horse battery', base64.urlsafe_b64decode(salt + '=='), 16384, 8, 1, 32)
    assert verify_password('correct horse battery', stored)
    assert not verify_password('correct horse battery!', stored)
    assert hash_password('correct horse battery') != stored  # a salt of its own each time


@pytest.mark.parametrize(('n', 'r', 'p', 'salt', 'length'), [
    (1024, 8, 1, b'sixteen byte slt', 32),  # a cheaper cost of an older release
    (2048, 4, 2, b'0123456789abcdefghij', 64),  # another salt and digest length (padding differs)
    (1024, 8, 1, b'x', 17),
    (1024, 8, 1, b'sevenby', 7),  # ten characters of base64: two '=' to add back
    (2 ** 15, 8, 1, b'sixteen byte slt', 32),  # a higher cost of a later release: 32 MiB and more
])
def test_hashes_of_other_costs_still_verify(n, r, p, salt, length) -> None:
    stored = scrypt_hash('an older password', salt, n, r, p, length)
    assert verify_password('an older password', stored)
    assert not verify_password('an older passwore', stored)


@pytest.mark.parametrize('stored', [
    '', 'plain', 'bcrypt$16384$8$1$c2FsdA$ZGlnZXN0', 'scrypt$many$8$1$c2FsdA$ZGlnZXN0', 'scrypt$16384$8$1$c2FsdA',
    'scrypt$16384$8$1$$', 'scrypt$16385$8$1$c2FsdA$ZGlnZXN0', 'scrypt$16384$8$1$c2FsdA$ZGlnZXN0$extra',
])
def test_anything_else_stored_verifies_nothing(stored) -> None:
    assert verify_password('anything', stored) is False
    assert verify_password('', stored) is False


def test_a_stored_cost_beyond_64_mib_is_refused_rather_than_computed() -> None:
    """A tampered or foreign hash cannot make a sign-in attempt take more than 64 MiB."""
    stored = scrypt_hash('a costly password', b'sixteen byte slt', 2 ** 16, 8, 1, 32)  # 64 MiB and a little more
    assert verify_password('a costly password', stored) is False


def test_the_same_password_under_another_scheme_name_is_refused() -> None:
    stored = scrypt_hash('pw long enough', b'sixteen byte slt', 1024, 8, 1, 32)
    assert verify_password('pw long enough', stored)
    assert not verify_password('pw long enough', 'SCRYPT' + stored.removeprefix('scrypt'))


def test_strength_rules_word_for_word() -> None:
    assert MIN_PASSWORD_LENGTH == 10
    assert check_password_strength('abcdefghi') == 'Use at least 10 characters.'
    assert check_password_strength('abcdefghij') == ''
    assert check_password_strength('xxAda.Lovelace', 'ada.lovelace') == 'The password must not contain the username.'
    assert check_password_strength('abcdefghij', '') == ''
    assert check_password_strength('xxxxabcdefgh') == ''  # no username: nothing to look for
    assert check_password_strength('abababcdabab') == 'Use a less repetitive password.'  # four different characters
    assert check_password_strength('abababcdeabab') == ''  # five
