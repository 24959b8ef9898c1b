"""A hostile browser: it loads a page over plain HTTP, then speaks NiceGUI's socket.io protocol itself. It sends
events to any element id it read from the page, writes to the page's `log` event, ignores every reload the server
asks for, and records every message the server sends it."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

import httpx
import socketio


class RawPage:
    """One page of the dashboard, held open by a client that does only what it chooses."""

    def __init__(self, http: httpx.AsyncClient, html: str) -> None:
        self.http = http
        query = re.search(r'query: (\{.*?\}),\n', html)
        elements = re.search(r'parseElements\(String\.raw`(.*?)`\)', html, re.S)
        assert query and elements, 'not a NiceGUI page'
        self.query = json.loads(query.group(1).replace("'", '"').replace('True', 'true').replace('False', 'false'))
        self.client_id = self.query['client_id']
        self.elements: dict[str, dict[str, Any]] = json.loads(elements.group(1))
        self.received: list[tuple[str, Any]] = []
        self.sio: socketio.AsyncClient | None = None

    @classmethod
    async def open(cls, http: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None) -> RawPage:
        response = await http.get(path, headers=headers or {})
        assert response.status_code == 200, f'{path}: {response.status_code}'
        return cls(http, response.text)

    async def connect(self, headers: dict[str, str] | None = None, *, verify: bool = True) -> None:
        self.sio = socketio.AsyncClient(reconnection=False, ssl_verify=verify)
        self.sio.on('*', lambda event, data=None: self.received.append((event, data)))
        cookies = '; '.join(f'{c.name}={c.value}' for c in self.http.cookies.jar)
        params = {**self.query, 'tab_id': str(uuid.uuid4()), 'document_id': str(uuid.uuid4())}
        params['implicit_handshake'] = 'true'
        url = f'{self.http.base_url}'.rstrip('/') + '?' + str(httpx.QueryParams(params))
        try:
            await self.sio.connect(url, headers={'Cookie': cookies, **(headers or {})}, transports=['websocket'],
                                   socketio_path='/_nicegui_ws/socket.io', wait_timeout=5)
        except Exception:
            await self.sio.shutdown()  # a refused connection leaves its HTTP session open otherwise
            raise

    def find(self, **props: Any) -> str:
        """The id of the first element whose text or props match."""
        for element_id, element in self.elements.items():
            values = {**element.get('props', {}), 'text': element.get('text'), 'tag': element.get('tag')}
            if all(values.get(key) == value for key, value in props.items()):
                return element_id
        raise LookupError(f'no element with {props}')

    async def send(self, element_id: str, event_type: str, *args: Any) -> None:
        """Send an event of `event_type` to the element, as the page's own script would."""
        listener = next(e['listener_id'] for e in self.elements[element_id].get('events', [])
                        if e['type'] == event_type)
        assert self.sio is not None
        await self.sio.emit('event', {'id': int(element_id), 'client_id': self.client_id, 'listener_id': listener,
                                      'args': [json.dumps(a) for a in args]})

    async def log(self, level: str, message: str) -> None:
        assert self.sio is not None
        await self.sio.emit('log', {'client_id': self.client_id, 'level': level, 'message': message})

    def texts(self) -> str:
        """Everything the server sent this page so far, as one string to search."""
        return json.dumps(self.received)

    async def wait_for(self, text: str, timeout: float = 10.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while text not in self.texts():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f'the page never received {text!r}')
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        if self.sio is not None:
            await self.sio.disconnect()
