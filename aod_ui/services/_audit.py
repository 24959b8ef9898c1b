"""Reading the audit trail: admins only, checked on every call."""

from __future__ import annotations

from typing import Any

from storage import AuditEntry, Store

from ..errors import NotAllowed
from ._policy import Actor, is_admin

__all__ = ['AuditService']


class AuditService:
    """Filters and exports of the audit trail."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _check(self, reader: Actor | None) -> None:
        if reader is None or not is_admin(reader):
            raise NotAllowed('Only admins may read the audit trail.')

    def query(self, reader: Actor | None, /, *, limit: int = 200, offset: int = 0, **filters: Any) -> list[AuditEntry]:
        self._check(reader)
        return self.store.audit.query(limit=limit, offset=offset, **_clean(filters))

    def count(self, reader: Actor | None, /, **filters: Any) -> int:
        self._check(reader)
        return self.store.audit.count(**_clean(filters))

    def export(self, reader: Actor | None, kind: str, /, **filters: Any) -> str:
        """The matching entries as CSV (`csv`) or JSON Lines (`jsonl`)."""
        self._check(reader)
        exporter = self.store.audit.export_csv if kind == 'csv' else self.store.audit.export_jsonl
        return exporter(**_clean(filters))


def _clean(filters: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in filters.items() if value not in (None, '')}
