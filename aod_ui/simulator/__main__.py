"""`python -m aod_ui.simulator`: serve the AoD simulator until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import textwrap
from collections.abc import Sequence

from .catalog import AGENTS
from .config import DEFAULT_TOKEN, SimulatorConfig
from .scenarios import SCENARIOS
from .server import SimulatorServer


def build_parser() -> argparse.ArgumentParser:
    """The command line; every option maps to a `SimulatorConfig` field."""
    scenarios = '\n'.join(textwrap.fill(text, 100, initial_indent=f'  {name:<16}', subsequent_indent=' ' * 18)
                          for name, text in SCENARIOS.items())
    agents = '\n'.join(f'  {spec.name:<16}{spec.id}{"  (archived)" if spec.archived else ""}' for spec in AGENTS)
    parser = argparse.ArgumentParser(
        prog='python -m aod_ui.simulator', formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Serve a simulated Agent on Demand server with scripted agents.',
        epilog=f'agents:\n{agents}\n\nscenarios (a prompt line "scenario: NAME"):\n{scenarios}')
    parser.add_argument('--host', default='127.0.0.1', help='address to listen on (default: %(default)s)')
    parser.add_argument('--port', type=int, default=8777, help='port to listen on, 0 for any (default: %(default)s)')
    parser.add_argument('--token', action='append', dest='tokens', metavar='TOKEN',
                        help=f'accepted bearer token, repeatable; each is its own owner (default: {DEFAULT_TOKEN})')
    parser.add_argument('--shape', choices=('provider', 'runtime'), default='provider',
                        help='payload shape: "provider" (current server) or "runtime" (older server, aod-sdk 0.1.0)')
    parser.add_argument('--time-scale', type=float, default=1.0,
                        help='multiplies every scripted delay; 1 is demo pace, 0.01 for tests (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=0, help='seed for session ids and scripts (default: %(default)s)')
    parser.add_argument('--max-active', type=int, default=100,
                        help="an owner's pending+running sessions that answer 429 (default: %(default)s)")
    parser.add_argument('--heartbeat', type=float, default=15.0,
                        help='seconds of stream silence before a heartbeat comment (default: %(default)s)')
    parser.add_argument('--stale-after', type=float, default=600.0,
                        help='seconds of stream silence before a "stale" event (default: %(default)s)')
    parser.add_argument('--no-pacing', dest='paced', action='store_false',
                        help='send stream rows as soon as they exist instead of at the real server\'s pace '
                             '(for tests that replay large sessions fast)')
    parser.add_argument('--stream-rows', type=int, default=100,
                        help='log rows one read of a paced stream sends at most (default: %(default)s, as AoD)')
    parser.add_argument('--stream-pause', type=float, default=0.5,
                        help='seconds a paced stream sleeps after each read (default: %(default)s, as AoD)')
    parser.add_argument('--interrupted-turns', action='store_true',
                        help='newer server code: terminate marks the running turn "interrupted"')
    parser.add_argument('--failing-stage', default='install_runtime',
                        help='the stage that fails in the fail-provision scenario (default: %(default)s)')
    parser.add_argument('--control', action='store_true', help='serve the /_sim/ control API')
    parser.add_argument('--stamp-events', action='store_true',
                        help='add "emitted_at" (epoch seconds) to every output event, for latency benchmarks')
    return parser


def config_from_args(argv: Sequence[str] | None = None) -> SimulatorConfig:
    """Parse the command line into a `SimulatorConfig` (exits with a usage message when it is wrong)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return SimulatorConfig(
            host=args.host, port=args.port, tokens=tuple(args.tokens or (DEFAULT_TOKEN,)), shape=args.shape,
            time_scale=args.time_scale, seed=args.seed, max_active=args.max_active, heartbeat=args.heartbeat,
            stale_after=args.stale_after, paced=args.paced, stream_rows=args.stream_rows,
            stream_pause=args.stream_pause, interrupted_turns=args.interrupted_turns,
            failing_stage=args.failing_stage, control=args.control, stamp_events=args.stamp_events)
    except ValueError as exc:
        parser.error(str(exc))


async def serve(config: SimulatorConfig) -> None:
    """Serve until SIGINT or SIGTERM."""
    server = SimulatorServer(config)
    await server.start()
    pace = f'{config.stream_rows} rows per {config.stream_pause:g} s' if config.paced else 'unpaced'
    print(f'AoD simulator on {server.url} (tokens: {", ".join(config.tokens)}, shape: {config.shape}, '
          f'time scale: {config.time_scale:g}, streams {pace}{", control API on" if config.control else ""})',
          flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of `python -m aod_ui.simulator`."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(config_from_args(argv)))


if __name__ == '__main__':
    main()
