"""Serving the simulator over real HTTP with uvicorn, in the current event loop or in a thread of its own.

The server binds its loopback socket itself, so port 0 works and `url` tells the real address. It touches
no global state of the process: no signal handlers, no logging configuration (the dashboard runs its own
uvicorn beside it in demo mode).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import uvicorn

from .app import create_app
from .config import SimulatorConfig
from .control import parse_faults
from .seeding import seed_session
from .state import SimSession, SimState

__all__ = ['SimulatorServer']

T = TypeVar('T')


class _Config(uvicorn.Config):
    def configure_logging(self) -> None:
        """Leave the process's loggers alone: they belong to the application embedding us."""


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Leave signal handling to the embedding application."""
        yield


class SimulatorServer:
    """The simulator app served by uvicorn.

    In the current loop (demo mode)::

        server = SimulatorServer(SimulatorConfig(port=0))
        await server.start()
        ...
        await server.stop()

    In a daemon thread with its own loop (tests), also as a context manager::

        with SimulatorServer(SimulatorConfig(port=0, time_scale=0.01)) as server:
            client = aod.Client(base_url=server.url, token='aod_simulator')
    """

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        #: The simulator's world; see `call()` for touching it from another thread.
        self.state = SimState(self.config)
        self.app = create_app(self.config, state=self.state)
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop_requested: asyncio.Event | None = None

    @property
    def port(self) -> int:
        """The port actually bound (only once started)."""
        if self._port is None:
            raise RuntimeError('The simulator is not running; call start() or start_in_thread() first')
        return self._port

    @property
    def url(self) -> str:
        """The base address, e.g. `http://127.0.0.1:54321`."""
        host = self.config.host
        if host in ('', '0.0.0.0'):
            host = '127.0.0.1'
        elif ':' in host:
            host = '[::1]' if host == '::' else f'[{host}]'
        return f'http://{host}:{self.port}'

    @property
    def running(self) -> bool:
        return self._server is not None

    # --- in the current event loop -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Bind the socket and start serving in the running event loop; returns once requests are accepted."""
        if self._server is not None:
            raise RuntimeError('The simulator is already running')
        family = socket.AF_INET6 if ':' in self.config.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio only turns Nagle off (TCP_NODELAY) on sockets that say they are TCP,
        # and without it every answer written in two parts waits ~40 ms for a delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.config.host, self.config.port))
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        self.state.closing = False  # a stopped server may be started again
        config = _Config(self.app, log_config=None, log_level=None, access_log=False, lifespan='off',
                         timeout_graceful_shutdown=1)
        server = _Server(config)
        self._server = server
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(server.serve(sockets=[sock]), name='aod-simulator')
        while not server.started:
            if self._task.done():
                self._server = None
                sock.close()
                self._task.result()  # raises what went wrong
                raise RuntimeError('The simulator stopped while starting')
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        """End the open streams and running scripts, then stop serving."""
        server, task = self._server, self._task
        if server is None or task is None:
            return
        await self.state.close()
        server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=5)
        except TimeoutError:
            server.force_exit = True
            await task
        self._server = self._task = None

    async def __aenter__(self) -> SimulatorServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- in a thread of its own --------------------------------------------------------------------------------
    def start_in_thread(self, timeout: float = 10.0) -> SimulatorServer:
        """Serve from a daemon thread with its own event loop; returns once requests are accepted."""
        if self._thread is not None:
            raise RuntimeError('The simulator thread is already running')
        ready = threading.Event()
        failure: list[BaseException] = []

        async def main() -> None:
            try:
                await self.start()
            except BaseException as exc:  # handed to the starting thread
                failure.append(exc)
                ready.set()
                return
            self._stop_requested = asyncio.Event()
            ready.set()
            await self._stop_requested.wait()
            await self.stop()

        self._thread = threading.Thread(target=asyncio.run, args=(main(),), name='aod-simulator', daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError(f'The simulator did not start within {timeout} s')
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def stop_thread(self, timeout: float = 10.0) -> None:
        """Stop the thread started by `start_in_thread()` and wait for it."""
        thread, loop, stop = self._thread, self._loop, self._stop_requested
        if thread is None:
            return
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may have just ended on its own
                loop.call_soon_threadsafe(stop.set)
        thread.join(timeout)
        if thread.is_alive():
            raise RuntimeError(f'The simulator thread did not stop within {timeout} s')
        self._thread = None
        self._stop_requested = None

    def __enter__(self) -> SimulatorServer:
        return self.start_in_thread()

    def __exit__(self, *exc: object) -> None:
        self.stop_thread()

    # --- reaching the state ------------------------------------------------------------------------------------
    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `function(*args, **kwargs)` in the server's event loop and return its result.

        From the server's own loop it runs directly; from another thread (thread mode) it is handed over,
        so it never races the server's own work.
        """
        loop = self._loop
        if loop is None or self._thread is None or threading.current_thread() is self._thread:
            return function(*args, **kwargs)

        async def run() -> T:
            return function(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(run(), loop).result(timeout=30)

    def seed_session(self, **fields: Any) -> SimSession:
        """Seed a session (see `seeding.seed_session` for the fields), safely from any thread."""
        return self.call(seed_session, self.state, **fields)

    def set_faults(self, **faults: Any) -> None:
        """Replace the fault settings, like `POST /_sim/faults` (no arguments: none)."""
        parsed = parse_faults(faults)
        self.call(setattr, self.state, 'faults', parsed)

    def stats(self) -> dict[str, Any]:
        """What `GET /_sim/stats` answers."""
        return self.call(self.state.stats.to_json)

    def revoke_token(self, token: str) -> None:
        """From now on `token` answers 401."""
        self.call(self.state.revoke_token, token)
