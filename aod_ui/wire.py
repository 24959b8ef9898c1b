"""The websocket side of live pages: each page update reaches its one browser within the step that sends it.

NiceGUI addresses every message to one client's room. python-socketio's stock manager sends even a single
recipient's message through a new task and an `asyncio.wait`, so every update to every viewer takes two or three
more turns of the event loop and a task of its own. With tens of viewers receiving live output, those turns are
most of what delays a line on its way to the screen once the process is busy. `DirectManager` hands a message for a
single recipient straight to Engine.IO's queue (which never blocks), and leaves every other case to the stock
manager. It is installed through python-socketio's client-manager extension point before the first connection.
"""

from __future__ import annotations

from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet

__all__ = ['DirectManager', 'install']


class DirectManager(socketio.AsyncManager):
    """An `AsyncManager` that sends a message for one recipient in the caller's step."""

    async def emit(self, event: str, data: Any, namespace: str, room: Any = None, skip_sid: Any = None,
                   callback: Any = None, to: Any = None, **kwargs: Any) -> None:
        room = to or room
        if callback is not None or skip_sid is not None or not isinstance(room, str):
            return await super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback,
                                      **kwargs)
        members = self.rooms.get(namespace, {}).get(room)
        if not members:
            return None
        if len(members) > 1:
            return await super().emit(event, data, namespace, room=room, **kwargs)
        ((_sid, eio_sid),) = members.items()
        arguments = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        encoded = self.server.packet_class(packet.EVENT, namespace=namespace, data=[event, *arguments]).encode()
        for part in encoded if isinstance(encoded, list) else [encoded]:
            await self.server.eio.send_packet(eio_sid, eio_packet.Packet(eio_packet.MESSAGE, part))
        return None


def install(server: socketio.AsyncServer) -> bool:
    """Use `DirectManager` for `server`; only before anyone connected (returns whether it is in use)."""
    if isinstance(server.manager, DirectManager):
        return True
    if type(server.manager) is not socketio.AsyncManager or server.manager.rooms:
        return False
    manager = DirectManager()
    manager.set_server(server)
    server.manager = manager
    return True
