"""Syntax highlighting with Pygments: escaped HTML spans with class names, and the style sheet for them."""

from __future__ import annotations

import functools
from io import StringIO

from pygments import lex
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name, get_lexer_for_filename
from pygments.util import ClassNotFound

__all__ = ['HIGHLIGHT_CSS', 'highlight_lines', 'lexer_for_path', 'lexer_named']

HIGHLIGHT_LIMIT = 100_000
"""Code longer than this many characters is shown plain (escaped): highlighting it would hold the server up."""
_FORMATTER = HtmlFormatter(nowrap=True)
HIGHLIGHT_CSS = (HtmlFormatter(style='default').get_style_defs('.aod-hl')
                 + '\n' + HtmlFormatter(style='monokai').get_style_defs('.body--dark .aod-hl'))
"""Token colours for `.aod-hl` blocks, light and dark (Quasar marks dark mode with `body--dark`)."""


@functools.lru_cache(maxsize=256)
def lexer_named(name: str) -> Lexer | None:
    """The lexer of a fenced code block's language name, or None for an unknown one."""
    if not name or len(name) > 40:
        return None
    try:
        return get_lexer_by_name(name.lower(), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@functools.lru_cache(maxsize=256)
def _lexer_for_suffix(name: str) -> Lexer:
    try:
        return get_lexer_for_filename(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


def lexer_for_path(path: str) -> Lexer:
    """The lexer for a file by its name (plain text when Pygments does not know it)."""
    name = path.rsplit('/', 1)[-1]
    suffix = name.rsplit('.', 1)[-1] if '.' in name else name
    return _lexer_for_suffix(f'x.{suffix}' if '.' in name else name)


def highlight_lines(code: str, lexer: Lexer) -> list[str]:
    """`code` as escaped, highlighted HTML, one string per line (Pygments closes its spans at every line end)."""
    if len(code) > HIGHLIGHT_LIMIT:
        lexer = TextLexer(stripnl=False, ensurenl=False)
    out = StringIO()
    _FORMATTER.format(lex(code, lexer), out)
    text = out.getvalue()
    if text.endswith('\n') and not code.endswith('\n'):
        text = text[:-1]
    return text.split('\n')
