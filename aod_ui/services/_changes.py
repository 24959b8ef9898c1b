"""What the agent changed in a session, as the sessions list shows it, without reading any transcript: from the
session's live hub when one holds it, else from what its archive recorded when it ended."""

from __future__ import annotations

from ..hub import HubRegistry
from ..transcript import ChangeSummary

__all__ = ['change_summary']


def change_summary(hubs: HubRegistry, session_id: str) -> ChangeSummary | None:
    """The session's files and lines changed and reported links; None when nothing is known of them."""
    hub = hubs.get(session_id)
    if hub is not None and hub.transcript.raw.events:
        return hub.transcript.changes.summary()
    archive = hubs.archive
    meta = archive.meta(session_id) if archive is not None else None
    info = meta.get('info') if isinstance(meta, dict) else None
    return ChangeSummary.from_dict(info.get('changes')) if isinstance(info, dict) else None
