"""Password hashes for local accounts: scrypt from the standard library, with a random salt per password.

Stored as `scrypt$N$r$p$salt$hash` (salt and hash in URL-safe base64), so the cost can rise later while old hashes
still verify.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ['MIN_PASSWORD_LENGTH', 'check_password_strength', 'hash_password', 'verify_password']

MIN_PASSWORD_LENGTH = 10
_N, _R, _P = 2 ** 14, 8, 1


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip('=')


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=64 * 1024 * 1024, dklen=32)
    return f'scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}'


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches the stored hash; False for any other stored value (including empty)."""
    try:
        scheme, n, r, p, salt, digest = stored.split('$')
        if scheme != 'scrypt':
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                                maxmem=64 * 1024 * 1024, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def check_password_strength(password: str, username: str = '') -> str:
    """Why a new password is too weak, or '' when it will do."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f'Use at least {MIN_PASSWORD_LENGTH} characters.'
    if username and username.lower() in password.lower():
        return 'The password must not contain the username.'
    if len(set(password)) < 5:
        return 'Use a less repetitive password.'
    return ''
