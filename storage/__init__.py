"""The dashboard's own data: who launched which AoD session with what prompt, the people and their roles, the
audit trail, and small settings and state. Shaped like NiceGUI's `persistence/`:

- one repository class per table (`SessionRecords`, `Users`, `KeyValue`, `ApiTokens`, and the audit trail's
  `AuditLog`), written once over the `DocumentTable` abstraction (the audit trail over its append-only part,
  `AppendOnlyTable`), with dataclass records (`SessionRecord`, `User`, `ApiToken`, `AuditEntry`) that convert to and
  from plain dicts;
- tables underneath: TinyDB (`open_store(data_dir)`), written atomically so a crash loses nothing acknowledged, with
  the audit trail in an append-only JSON-lines file (`JsonlTable`), and dicts for unit tests (`memory_store()`), so
  both behave the same by construction.

Layout: `tables` is the one primitive the repositories are written against (a table of JSON documents under
string keys), with `MemoryTable` there and `TinyDBTable` in `_tinydb`, the only module that imports TinyDB;
`_tinydb.AtomicJSONStorage` is the TinyDB storage (cache, atomic writes, schema checks); `schema` holds the
schema version and migrations; `_jsonl` is the append-only JSON-lines table the audit trail is kept in; `_files`
has the crash-safe file primitives; `_json` the read-only ("frozen") JSON values that make the caches safe to share.

Every method is synchronous, short and thread-safe. Reads come from memory (the audit trail's file is read once,
when opened); call writes from async code through `run_io`. Errors reading or writing a file are
`aod_ui.errors.StorageError`; programming mistakes (an unknown field, a duplicate key, a value JSON cannot hold)
are `TypeError` or `ValueError`.
"""

from ._json import thaw
from ._jsonl import JsonlTable
from .aio import run_io
from .api_tokens import SCOPES, ApiToken, ApiTokens
from .audit import AUDIT_SCHEMA, CSV_COLUMNS, AuditEntry, AuditLog, Outcome, audit_table
from .kv import KeyValue
from .schema import MIGRATIONS, SCHEMA_VERSION, Migration
from .sessions import FollowUp, SessionRecord, SessionRecords, Visibility
from .store import AUDIT_FILE, SESSIONS_FILE, STATE_FILE, USERS_FILE, Store, memory_store, open_store
from .tables import AppendOnlyTable, Document, DocumentTable, MemoryTable
from .users import AuthSource, Role, User, Users, normalize_username

__all__ = [
    'AUDIT_FILE',
    'AUDIT_SCHEMA',
    'CSV_COLUMNS',
    'MIGRATIONS',
    'SCHEMA_VERSION',
    'SCOPES',
    'SESSIONS_FILE',
    'STATE_FILE',
    'USERS_FILE',
    'ApiToken',
    'ApiTokens',
    'AppendOnlyTable',
    'AuditEntry',
    'AuditLog',
    'AuthSource',
    'Document',
    'DocumentTable',
    'FollowUp',
    'JsonlTable',
    'KeyValue',
    'MemoryTable',
    'Migration',
    'Outcome',
    'Role',
    'SessionRecord',
    'SessionRecords',
    'Store',
    'User',
    'Users',
    'Visibility',
    'audit_table',
    'memory_store',
    'normalize_username',
    'open_store',
    'run_io',
    'thaw',
]
