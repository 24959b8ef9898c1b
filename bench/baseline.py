"""The comparator: the plain per-viewer SSE proxy the pattern suggests. Every browser tab opens its own upstream
`aod-sdk` stream, re-streamed as `text/event-stream` to an `EventSource` page that appends text. Like the pattern's
example it shares one `aod.AsyncClient` (one connection pool) for the whole process.

Run: python -m bench.baseline --port 8790 --aod-url http://127.0.0.1:8777 --token aod_...
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aod
import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, StreamingResponse
from starlette.routing import Route

PAGE = '''<!doctype html><html><head><meta charset="utf-8"><title>session</title></head>
<body><pre id="out"></pre><script>
const out = document.getElementById('out');
const source = new EventSource('/stream/SESSION');
source.onopen = () => { window.__open = true; };
source.onmessage = (message) => {
  const event = JSON.parse(message.data);
  if (event.type === 'output') out.appendChild(document.createTextNode(event.data));
  if (event.type === 'exit' || event.type === 'error' || event.type === 'terminated') {
    out.appendChild(document.createTextNode('\\n[session ended]\\n'));
    source.close();
  }
};
</script></body></html>'''


def create_app(aod_url: str, token: str) -> Starlette:
    # an upstream stream is held open as long as its viewer watches: no pool limit, or the 101st viewer would wait
    client = aod.AsyncClient(base_url=aod_url, token=token, transport=httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=100)))

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with client:
            yield

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE.replace('SESSION', request.path_params['session_id']))

    async def stream(request: Request) -> StreamingResponse:
        session_id = request.path_params['session_id']

        async def events() -> AsyncIterator[str]:
            async with client.sessions.stream(session_id) as upstream:  # one upstream stream per viewer
                async for event in upstream:
                    yield f'data: {json.dumps({"type": event.type, "id": event.id, **event.extra})}\n\n'
        return StreamingResponse(events(), media_type='text/event-stream')

    async def sessions(request: Request) -> JSONResponse:
        response = await client._http.get('/sessions')
        return JSONResponse(response.json())

    return Starlette(routes=[Route('/sessions/{session_id}', page), Route('/stream/{session_id}', stream),
                             Route('/sessions', sessions)], lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, default=8790)
    parser.add_argument('--aod-url', required=True)
    parser.add_argument('--token', required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(args.aod_url, args.token), host='127.0.0.1', port=args.port, log_level='warning')


if __name__ == '__main__':
    main()
