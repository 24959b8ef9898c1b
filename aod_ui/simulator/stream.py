"""`GET /sessions/{id}/stream`: Server-Sent Events over a session's log, live.

A connection sends `start`, replays the rows after its cursor, then follows new rows as they are appended
(woken by the session's change signal, or at AoD's pace: at most `stream_rows` rows per read, `stream_pause`
seconds between reads). Each turn is announced with `turn_start` before its first output on every connection,
resumed ones included. When it has caught up and its turn is over it sends the terminal
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
    """The resume cursor: the `Last-Event-ID` header wins over `?since=`; none means replay from the start. A
    non-integer is a 400; a negative one is clamped to 0 (replay from the start), as the real server does."""
    raw = request.headers.get('last-event-id') or request.query_params.get('since')
    if raw is None or raw == '':
        return 0
    try:
        cursor = int(raw)
    except ValueError:
        raise ApiError(400, 'since must be an integer') from None
    return max(cursor, 0)


def stream_response(state: SimState, session: SimSession, cursor: int) -> StreamingResponse:
    """The streaming answer for one connection."""
    return StreamingResponse(_events(state, session, cursor), media_type='text/event-stream', headers=SSE_HEADERS)


async def _events(state: SimState, session: SimSession, cursor: int) -> AsyncIterator[str]:
    config = state.config
    stats = state.stats
    stats.open_streams += 1
    stats.streams_opened += 1
    stats.streams_by_session[session.id] += 1
    # Paced like the real server: one read of at most `stream_rows` rows, then `stream_pause` seconds of sleep, live
    # or replaying. Unpaced: reads in larger steps and waits only for the next row.
    limit = config.stream_rows if config.paced else 256
    try:
        loop = asyncio.get_running_loop()
        yield encode_event({'type': 'start', **family_json(session.agent.family, config.shape),
                            'session_id': session.id})
        followed = session.current_turn
        announced: set[int] = set()
        drop_after = state.faults.drop_stream_after_events
        sent = 0
        last_row_at = last_sent_at = loop.time()
        while not (state.closing or session.deleted):
            changed = session.changed  # taken before reading, so a change made after the read still wakes us
            rows = session.rows_after(cursor, limit)
            stats.stream_reads += 1
            parts = []
            end = None
            for row in rows:
                if row.turn > followed and session.turns[followed - 1].end_event is not None:
                    # each turn's stream closes at its own end, even when the next turn's rows are already there
                    end = session.turns[followed - 1].end_event
                    break
                if row.output and row.turn not in announced:
                    # Before the turn's first output on this connection, a resumed one too. No `id:` line: the
                    # payload id is the next output's, so a client never resumes past it.
                    announced.add(row.turn)
                    parts.append(encode_event({'type': 'turn_start', 'id': row.id, 'turn': row.turn}, with_id=False))
                parts.append(row.sse)
                cursor = row.id
                followed = max(followed, row.turn)
                sent += 1
                if drop_after is not None and sent >= drop_after:
                    yield ''.join(parts)
                    return  # the fault: the connection ends without a terminal event
            # Decided in the same step as the read (no await between), so no row can slip in after it.
            if end is None and len(rows) < limit:
                end = session.terminal_event(followed)
            if parts:
                yield ''.join(parts)
                last_row_at = last_sent_at = loop.time()
            if end is not None:
                yield encode_event(end)
                return
            if rows and not config.paced:
                continue
            next_read = loop.time() + config.stream_pause if config.paced else None
            while True:  # until the next read: heartbeats while silent, `stale` after long silence
                moment = loop.time()
                stale_at = last_row_at + config.stale_after
                beat_at = last_sent_at + config.heartbeat
                if moment >= stale_at:
                    yield encode_event({'type': 'stale', 'id': session.last_row_id,
                                        'message': f'No output for {config.stale_after:g}s'})
                    return
                if moment >= beat_at:
                    yield HEARTBEAT
                    last_sent_at = moment
                    continue
                if next_read is not None and moment >= next_read:
                    break
                wake_at = min(stale_at, beat_at, next_read if next_read is not None else stale_at)
                try:
                    async with asyncio.timeout(max(0.0, wake_at - moment)):
                        await changed.wait()
                except TimeoutError:
                    continue
                if next_read is None or state.closing or session.deleted:
                    break  # unpaced: a change is read at once; paced: a change waits for the next read
                changed = session.changed
    finally:
        stats.open_streams -= 1
