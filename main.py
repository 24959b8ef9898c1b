"""Entry point: `python main.py` serves the dashboard; `python main.py --help` lists the other commands."""

import sys

from aod_ui.cli import main

if __name__ in {'__main__', '__mp_main__'}:
    main(sys.argv[1:])
