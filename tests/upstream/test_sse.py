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
