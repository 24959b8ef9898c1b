"""The direct socket.io manager, over a real websocket: one recipient is sent to at once, rooms of several and
everything else go the stock way, and it is only installed before anyone connected."""

from __future__ import annotations

import asyncio
import socket

import socketio
import uvicorn

from aod_ui.wire import DirectManager, install


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


async def test_messages_reach_single_recipients_and_rooms_of_several():
    server = socketio.AsyncServer(async_mode='asgi')
    assert install(server)
    assert isinstance(server.manager, DirectManager)
    assert install(server)  # installing twice keeps it
    joined: list[str] = []

    @server.event
    async def connect(sid, environ):
        await server.enter_room(sid, 'everyone')
        joined.append(sid)

    port = _free_port()
    web = uvicorn.Server(uvicorn.Config(socketio.ASGIApp(server), host='127.0.0.1', port=port, log_level='error'))
    serving = asyncio.create_task(web.serve())
    clients = [socketio.AsyncClient(reconnection=False) for _ in range(2)]
    received: list[list[tuple[str, tuple]]] = [[], []]
    try:
        while not web.started:
            await asyncio.sleep(0.01)
        for client, inbox in zip(clients, received, strict=True):
            client.on('*', lambda event, *args, inbox=inbox: inbox.append((event, args)))
            await client.connect(f'http://127.0.0.1:{port}', transports=['websocket'])
        while len(joined) < 2:
            await asyncio.sleep(0.01)
        await server.emit('update', {'1': {'text': 'to the first'}}, room=joined[0])
        await server.emit('update', ('two', 'arguments'), room=joined[1])
        await server.emit('update', {'text': 'to both'}, room='everyone')
        await server.emit('update', None, room='nobody')
        for _ in range(200):
            if len(received[0]) == 2 and len(received[1]) == 2:
                break
            await asyncio.sleep(0.01)
        assert received[0] == [('update', ({'1': {'text': 'to the first'}},)), ('update', ({'text': 'to both'},))]
        assert received[1] == [('update', ('two', 'arguments')), ('update', ({'text': 'to both'},))]
    finally:
        for client in clients:
            await client.disconnect()
        web.should_exit = True
        await serving


def test_it_is_not_installed_once_someone_connected():
    server = socketio.AsyncServer(async_mode='asgi')
    server.manager.rooms['/'] = {'room': {}}
    assert not install(server)
    assert type(server.manager) is socketio.AsyncManager
