"""How a setting's text becomes its value: one cast per kind of value, each raising `ValueError` with what it
expected, and the reader of `.env` files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import ConfigError

__all__ = ['agent_days', 'boolean', 'choice', 'lower_words', 'non_negative', 'non_negative_int', 'port',
           'positive_float', 'read_env_file', 'role_counts', 'url', 'words']


def boolean(text: str) -> bool:
    value = text.strip().lower()
    if value in {'1', 'true', 'yes', 'on'}:
        return True
    if value in {'0', 'false', 'no', 'off', ''}:
        return False
    raise ValueError('expected true or false')


def port(text: str) -> int:
    number = int(text)
    if not 0 <= number <= 65535:
        raise ValueError('expected a port number from 0 to 65535')
    return number


def positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError('expected a number above zero')
    return value


def url(text: str) -> str:
    value = text.strip().rstrip('/')
    if value and not value.startswith(('http://', 'https://')):
        raise ValueError('expected an address starting with http:// or https://')
    return value


def words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.replace(';', ',').split(',') if w.strip())


def lower_words(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in words(text))


def non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise ValueError('expected zero or more')
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError('must be zero or more')
    return value


def agent_days(text: str) -> dict[str, float]:
    result = {}
    for item in words(text):
        name, sep, days = item.partition('=')
        if not sep or not name.strip():
            raise ValueError(f'expected agent=days, not {item!r}')
        result[name.strip()] = non_negative(days)
    return result


def role_counts(text: str) -> dict[str, int]:
    result = {}
    for item in words(text):
        role, sep, count = item.partition('=')
        if not sep or role.strip().lower() not in {'admin', 'member', 'viewer'}:
            raise ValueError(f'expected role=count with a role of admin, member or viewer, not {item!r}')
        result[role.strip().lower()] = non_negative_int(count)
    return result


def choice(*options: str) -> Callable[[str], str]:
    def cast(text: str) -> str:
        value = text.strip().lower()
        if value not in options:
            raise ValueError(f'expected one of: {", ".join(options)}')
        return value
    return cast


def read_env_file(path: Path) -> dict[str, str]:
    """Read `NAME=value` lines; `#` starts a comment line; values may be quoted."""
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding='utf-8').splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith('#'):
            continue
        if stripped.startswith('export '):
            stripped = stripped[len('export '):]
        name, sep, value = stripped.partition('=')
        if not sep or not name.strip():
            raise ConfigError(f'{path}:{number}: expected NAME=value')
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in {'"', "'"}:
            value = value[1:-1]
        values[name.strip()] = value
    return values
