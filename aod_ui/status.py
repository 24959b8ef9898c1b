"""The words AoD uses for a session's status: the one place they are listed.

A session is `pending` through provisioning, `running` while the agent works, and ends `completed`, `failed` or
`terminated`. How the stream moves a session between them is `transcript.status_after`.
"""

from __future__ import annotations

__all__ = ['ACTIVE', 'FINISHED', 'STATUSES']

STATUSES = ('pending', 'running', 'completed', 'failed', 'terminated')
"""Every status, in the order a session goes through them."""
ACTIVE = frozenset({'pending', 'running'})
"""A session that may still change by itself (and can be stopped)."""
FINISHED = frozenset({'completed', 'failed', 'terminated'})
"""A session that is over (and can be deleted; only `completed` takes a follow-up)."""
