"""The dashboard's Tailwind stylesheet, built ahead of time (`make styles`, tools/styles.py) and linked from every
page, in place of the compiler NiceGUI would run in each browser.

That compiler is a 260 KB script every uncached open parses; it styles the page only after reading all its class
names, and it replaced the page's whole stylesheet whenever a class name it had not seen appeared (a session's first
output, each new kind of transcript entry), after which the browser restyled and laid out every element. It also
kept a performance mark for each build, so a live page left open grew without bound. A file built from the class
names in the code has none of that: one request of 4 KB, cached for a year under a name that changes with it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi.responses import Response
from nicegui import Client, app, ui

__all__ = ['STYLES', 'install']

YEAR = 'public, max-age=31536000, immutable'
STYLES = Path(__file__).resolve().parent.parent / 'static' / 'styles.css'


def install() -> None:
    """Serve the stylesheet at an address named by its content and link it from every page's head."""
    content = STYLES.read_bytes()
    url = f'/_aod/styles.{hashlib.sha256(content).hexdigest()[:16]}.css'

    @app.get(url, include_in_schema=False)
    def stylesheet() -> Response:
        return Response(content, media_type='text/css', headers={'Cache-Control': YEAR})
    link = f'<link rel="stylesheet" href="{url}">'
    if link not in Client.shared_head_html:
        ui.add_head_html(link, shared=True)
