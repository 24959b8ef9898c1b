"""The dashboard's errors. Every error a person may see is an `AodUiError` whose `str()` reads as a sentence
saying what happened and what to do; nothing in them ever carries the AoD token.

    AodUiError
    ├── ConfigError          bad or missing configuration; the dashboard refuses to start
    ├── StorageError         the dashboard's own data file cannot be read or written
    ├── UpstreamError        AoD answered with an error, or did not answer (see `UpstreamError.kind`)
    └── ActionError          a person asked for something the rules do not allow right now
        ├── NotAllowed       the person may not do this (answers like "not found" where it must not leak)
        ├── LimitReached     a launch past the person's fair share (active sessions, monthly budget)
        └── FieldRefused     one field of a form holds what the rules refuse (`field` names it)
"""

from __future__ import annotations

__all__ = ['ActionError', 'AodUiError', 'ConfigError', 'FieldRefused', 'LimitReached', 'NotAllowed', 'StorageError',
           'UpstreamError']


class AodUiError(Exception):
    """Base of every error the dashboard shows to a person."""


class ConfigError(AodUiError):
    """Configuration is missing or invalid."""


class StorageError(AodUiError):
    """The dashboard's own data could not be read or written."""


class UpstreamError(AodUiError):
    """A call to AoD failed. `kind` is one of: auth, not_found, conflict, already_terminated (a terminate of a
    terminated session), invalid, rate_limited, server, unreachable, timeout, protocol. Code decides by `kind`, never
    by the message."""

    def __init__(self, kind: str, message: str, *, status: int | None = None, detail: object = None,
                 limit: int | None = None, active: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.detail = detail
        self.limit = limit
        self.active = active


class ActionError(AodUiError):
    """A request that the dashboard's rules refuse (for example a follow-up to a running session)."""


class NotAllowed(ActionError):
    """The person may not see or do this."""


class LimitReached(ActionError):
    """A launch refused by the fair-share rules: `active` of `limit` sessions (None when the budget refused it)."""

    def __init__(self, message: str, active: int, limit: int | None) -> None:
        super().__init__(message)
        self.active = active
        self.limit = limit


class FieldRefused(ActionError):
    """A value the rules refuse in one field of a form (`field`: `username`, `role`, `password`, ...), so the form
    can mark that field and keep what was typed."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field
