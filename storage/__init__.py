"""The dashboard's own data: who launched which AoD session with what prompt, the people and their roles, the
audit trail, and small settings and state. Shaped like NiceGUI's `persistence/`:

- a small repository interface per kind of data (`SessionRecords`, `Users`, `AuditLog`, `KeyValue`, `ApiTokens`), with
  dataclass records (`SessionRecord`, `User`, `AuditEntry`) that convert to and from plain dicts;
- a TinyDB implementation (`open_store(data_dir)`), written atomically so a crash loses nothing acknowledged;
- an in-memory implementation for unit tests (`memory_store()`), the same code over a dict.

Layout: `tables` is the one primitive the repositories are written against (a table of JSON documents under
string keys), with `MemoryTable` there and `TinyDBTable` in `_tinydb`, the only module that imports TinyDB;
`_tinydb.AtomicJSONStorage` is the TinyDB storage (cache, atomic writes, schema checks); `schema` holds the
schema version and migrations; `audit_file` keeps the audit trail as append-only JSON lines; `_files` has the
crash-safe file primitives; `_json` the read-only ("frozen") JSON values that make the caches safe to share.

Every method is synchronous, short and thread-safe. Reads come from memory; call writes from async code through
`run_io`. Errors reading or writing a file are `aod_ui.errors.StorageError`; programming mistakes (an unknown
field, a duplicate key, a value JSON cannot hold) are `TypeError` or `ValueError`.
"""

from ._json import thaw
from .aio import run_io
from .api_tokens import SCOPES, ApiToken, ApiTokens, MemoryApiTokens
from .audit import CSV_COLUMNS, AuditEntry, AuditLog, MemoryAuditLog, Outcome
from .audit_file import AUDIT_SCHEMA, JsonlAuditLog
from .kv import KeyValue, MemoryKeyValue, TableKeyValue, TinyDBKeyValue
from .schema import MIGRATIONS, SCHEMA_VERSION, Migration
from .sessions import (
    FollowUp,
    MemorySessionRecords,
    SessionRecord,
    SessionRecords,
    TableSessionRecords,
    TinyDBSessionRecords,
    Visibility,
)
from .store import AUDIT_FILE, SESSIONS_FILE, STATE_FILE, USERS_FILE, Store, memory_store, open_store
from .users import AuthSource, MemoryUsers, Role, TableUsers, TinyDBUsers, User, Users, normalize_username

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
    'AuditEntry',
    'AuditLog',
    'AuthSource',
    'FollowUp',
    'JsonlAuditLog',
    'KeyValue',
    'MemoryApiTokens',
    'MemoryAuditLog',
    'MemoryKeyValue',
    'MemorySessionRecords',
    'MemoryUsers',
    'Migration',
    'Outcome',
    'Role',
    'SessionRecord',
    'SessionRecords',
    'Store',
    'TableKeyValue',
    'TableSessionRecords',
    'TableUsers',
    'TinyDBKeyValue',
    'TinyDBSessionRecords',
    'TinyDBUsers',
    'User',
    'Users',
    'Visibility',
    'memory_store',
    'normalize_username',
    'open_store',
    'run_io',
    'thaw',
]
