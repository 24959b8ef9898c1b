"""`GET /sessions/{id}/stream`: Server-Sent Events over a session's log, live.

A connection sends `start`, replays the rows after its cursor, then follows new rows as they are appended
(woken by the session's change signal). When it has caught up and its turn is over it sends the terminal
event and closes. Silence brings `: heartbeat` comments, and after `stale_after` seconds a `stale` event.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import StreamingResponse

from .catalog import family_json
from .state import SimSession, SimState, encode_event
from .validation import ApiError

__all__ = ['SSE_HEADERS', 'read_cursor', 'stream_response']

SSE_HEADERS = {'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no'}
HEARTBEAT = ': heartbeat\n\n'


def read_cursor(request: Request) -> int:
    """The resume cursor: the `Last-Event-ID` header wins over `?since=`; none means replay from the start."""
    raw = request.headers.get('last-event-id') or request.query_params.get('since')
    if raw is None or raw == '':
        return 0
    try:
        cursor = int(raw)
    except ValueError:
        raise ApiError(400, 'since must be an integer') from None
    if cursor < 0:
        raise ApiError(400, 'since must be an integer')
    return cursor


def stream_response(state: SimState, session: SimSession, cursor: int) -> StreamingResponse:
    """The streaming answer for one connection."""
    return StreamingResponse(_events(state, session, cursor), media_type='text/event-stream', headers=SSE_HEADERS)


async def _events(state: SimState, session: SimSession, cursor: int) -> AsyncIterator[str]:
    config = state.config
    stats = state.stats
    stats.open_streams += 1
    stats.streams_opened += 1
    try:
        loop = asyncio.get_running_loop()
        yield encode_event({'type': 'start', **family_json(session.agent.family, config.shape),
                            'session_id': session.id})
        followed = session.current_turn
        drop_after = state.faults.drop_stream_after_events
        sent = 0
        last_row_at = last_sent_at = loop.time()
        while not (state.closing or session.deleted):
            changed = session.changed  # taken before reading, so a change made after the read still wakes us
            rows = session.rows_after(cursor)
            if rows:
                parts = []
                for row in rows:
                    turn = session.turns[row.turn - 1]
                    if row.id == turn.first_output_id:
                        # No `id:` line: the payload id is the next output's, so a client never resumes past it.
                        parts.append(encode_event({'type': 'turn_start', 'id': row.id, 'turn': row.turn},
                                                  with_id=False))
                    parts.append(row.sse)
                    cursor = row.id
                    followed = max(followed, row.turn)
                    sent += 1
                    if drop_after is not None and sent >= drop_after:
                        yield ''.join(parts)
                        return  # the fault: the connection ends without a terminal event
                yield ''.join(parts)
                last_row_at = last_sent_at = loop.time()
                continue
            end = session.terminal_event(followed)
            if end is not None:
                yield encode_event(end)
                return
            moment = loop.time()
            stale_at = last_row_at + config.stale_after
            beat_at = last_sent_at + config.heartbeat
            try:
                async with asyncio.timeout(max(0.0, min(stale_at, beat_at) - moment)):
                    await changed.wait()
            except TimeoutError:
                moment = loop.time()
                if moment >= stale_at:
                    yield encode_event({'type': 'stale', 'id': session.last_row_id,
                                        'message': f'No output for {config.stale_after:g}s'})
                    return
                if moment >= beat_at:
                    yield HEARTBEAT
                    last_sent_at = moment
    finally:
        stats.open_streams -= 1
