"""A lenient Server-Sent Events reader for AoD's session stream.

aod-sdk 0.1.0's reader validates each event's `type` against a closed set, so one unknown type raises in the
middle of iteration and, since the cursor cannot move past it, would fail again on every reconnect. This reader
accepts any JSON object, reads the `id:` lines the SDK ignores, joins multi-line `data:` fields and skips
comments (heartbeats) and malformed payloads.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

from ._models import StreamEvent

__all__ = ['NO_CURSOR_TYPES', 'parse_sse']

log = logging.getLogger(__name__)

NO_CURSOR_TYPES = frozenset({'start', 'turn_start'})


def _cursor(sse_id: str | None, payload: dict) -> int | None:
    if sse_id is not None:
        try:
            return int(sse_id)
        except ValueError:
            return None
    if payload.get('type') in NO_CURSOR_TYPES:
        return None
    value = payload.get('id')
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def parse_sse(lines: AsyncIterator[str]) -> AsyncIterator[StreamEvent]:
    """Yield one `StreamEvent` per SSE event whose data is a JSON object."""
    data: list[str] = []
    sse_id: str | None = None
    async for line in lines:
        if line == '':
            if data:
                event = _decode('\n'.join(data), sse_id)
                if event is not None:
                    yield event
            data, sse_id = [], None
            continue
        if line.startswith(':'):
            continue
        name, _, value = line.partition(':')
        if value.startswith(' '):
            value = value[1:]
        if name == 'data':
            data.append(value)
        elif name == 'id':
            sse_id = value.strip()
    if data:  # a stream cut before the blank line that ends its last event
        event = _decode('\n'.join(data), sse_id)
        if event is not None:
            yield event


def _decode(raw: str, sse_id: str | None) -> StreamEvent | None:
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError:
        log.warning('skipped a stream event whose data is not JSON (%d characters)', len(raw))
        return None
    if not isinstance(payload, dict):
        log.warning('skipped a stream event whose data is not a JSON object')
        return None
    return StreamEvent(payload=payload, cursor=_cursor(sse_id, payload))
