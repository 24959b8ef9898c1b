"""The command line: `python main.py` (or `aod-ui`) serves the dashboard; subcommands manage its data."""

from __future__ import annotations

import argparse
import os
import sys

from .errors import AodUiError
from .settings import Settings

__all__ = ['main']


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='aod-ui', description='A team dashboard for Agent on Demand sessions.')
    sub = parser.add_subparsers(dest='command')
    sub.add_parser('serve', help='serve the dashboard (the default)')
    return parser


def serve(settings: Settings) -> None:
    from nicegui import ui

    from .app import build, run_arguments
    if os.environ.get('WEB_CONCURRENCY', '1') not in {'', '1'}:
        os.environ['WEB_CONCURRENCY'] = '1'  # NiceGUI keeps its state in one process; workers would break it
    build(settings)
    ui.run(**run_arguments(settings))


def main(argv: list[str] | None = None) -> None:
    simulated = bool(os.environ.get('NICEGUI_USER_SIMULATION'))
    args = _parser().parse_args([] if simulated else (sys.argv[1:] if argv is None else argv))
    try:
        settings = Settings.load()
        if args.command in {None, 'serve'}:
            serve(settings)
    except AodUiError as error:
        if simulated:
            raise
        print(f'aod-ui: {error}', file=sys.stderr)
        raise SystemExit(2) from None
