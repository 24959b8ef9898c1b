"""The version of the data files' layout, and the migrations that bring an older file up to date.

Every TinyDB file carries `"_meta": {"schema": N}` beside its tables. Opening a file whose schema is older than
`SCHEMA_VERSION` runs the migrations from N up, after saving the original as `<file>.schema-N.bak`; opening one that
is newer (written by a later dashboard) is refused, so an older dashboard never rewrites data it does not understand.

To change the layout: write a function that takes the whole document of schema N (`{table: {key: document}}`,
plain dicts and lists, without `_meta`) and returns it in the layout of N + 1, and append it to `MIGRATIONS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ['META_KEY', 'MIGRATIONS', 'SCHEMA_VERSION', 'Migration', 'Tables', 'migrate', 'schema_after']

Tables = dict[str, dict[str, Any]]
"""A database's content as TinyDB sees it: table name → document key → document."""

Migration = Callable[[Tables], Tables]
"""Turns the tables of schema N into those of schema N + 1."""

META_KEY = '_meta'

MIGRATIONS: tuple[Migration, ...] = ()
"""`MIGRATIONS[i]` turns schema i + 1 into schema i + 2. Schema 1 is the first layout, so there are none yet."""


def schema_after(migrations: Sequence[Migration]) -> int:
    """The schema a file has once every migration in `migrations` has run."""
    return 1 + len(migrations)


SCHEMA_VERSION = schema_after(MIGRATIONS)


def migrate(tables: Tables, found: int, migrations: Sequence[Migration]) -> Tables:
    """Run the migrations that take `tables` from schema `found` to `schema_after(migrations)`."""
    for step in migrations[found - 1:]:
        tables = step(tables)
    return tables
