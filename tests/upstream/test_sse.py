from aod_ui.upstream import parse_sse


async def lines(*items):
    for item in items:
        yield item


async def collect(*items):
    return [event async for event in parse_sse(lines(*items))]


async def test_cursor_comes_from_id_lines_and_never_from_turn_start():
    events = await collect(
        'data: {"type": "start", "provider": "anthropic", "session_id": "s"}', '',
        ': heartbeat', '',
        'data: {"type": "turn_start", "id": 5, "turn": 1}', '',
        'id: 5', 'data: {"type": "output", "id": 5, "stream": "stdout", "data": "hi", "turn": 1}', '',
    )
    assert [(e.type, e.cursor) for e in events] == [('start', None), ('turn_start', None), ('output', 5)]


async def test_unknown_types_and_malformed_data_do_not_stop_the_stream():
    events = await collect(
        'id: 1', 'data: {"type": "brand_new_kind", "id": 1}', '',
        'id: 2', 'data: not json', '',
        'data: [1, 2]', '',
        'id: 3', 'data: {"type": "output",', 'data: "id": 3}', '',
        'id: 4', 'data: {"type": "exit", "id": 4, "code": 0}',
    )
    assert [(e.type, e.cursor) for e in events] == [('brand_new_kind', 1), ('output', 3), ('exit', 4)]


async def test_the_id_line_wins_over_the_payload_and_is_forgotten_after_its_event():
    events = await collect(
        'id: 7', 'event: message', 'data: {"type": "output", "id": 5}', '',
        'data: {"type": "output", "id": 6}', '',  # no id line: the payload's id
        'id: not-a-number', 'data: {"type": "output", "id": 8}', '',
    )
    assert [e.cursor for e in events] == [7, 6, None]


async def test_without_an_id_line_only_an_integer_payload_id_is_a_cursor():
    events = await collect(
        'data: {"type": "output", "id": 3}', '',
        'data: {"type": "output", "id": true}', '',
        'data: {"type": "output", "id": "4"}', '',
        'data: {"type": "output"}', '',
        'data: {"type": "turn_start", "id": 9, "turn": 2}', '',
    )
    assert [e.cursor for e in events] == [3, None, None, None, None]


async def test_a_stream_cut_before_its_last_blank_line_keeps_that_event_whole():
    events = await collect('id: 12', 'data: {"type": "output",', 'data: "id": 11}')
    assert [(e.payload, e.cursor) for e in events] == [({'type': 'output', 'id': 11}, 12)]


async def test_skipped_payloads_are_logged_with_their_size_only(caplog):
    await collect('data: not json', '', 'data: [1, 2]', '')
    assert [r.getMessage() for r in caplog.records] == [
        'skipped a stream event whose data is not JSON (8 characters)',
        'skipped a stream event whose data is not a JSON object']
