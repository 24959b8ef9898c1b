"""Syntax highlighting with Pygments: escaped HTML spans with class names, and the style sheet for them."""

from __future__ import annotations

import functools
import re
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
LIGHT_GROUNDS = ('#ffffff', '#dff0e3', '#fde8e7', '#eef6ff', '#efefef')
"""What code is read on in light mode: the page, a diff's added, removed and hunk lines, a Markdown code block."""
DARK_GROUNDS = ('#1d1d1d', '#1f3324', '#3a2523', '#1e2a35', '#121212', '#2a2a2a')
"""The same in dark mode."""
MIN_CONTRAST = 4.6
"""WCAG AA asks 4.5:1 for text this size; a little more, so rounding in the browser cannot take it below."""


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    value = hex_colour.lstrip('#')
    if len(value) == 3:
        value = ''.join(c * 2 for c in value)
    return int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two `#rrggbb` colours."""
    high, low = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(colour: str, grounds: tuple[str, ...], *, dark: bool) -> str:
    """`colour`, moved towards white (dark mode) or black (light mode) just far enough to reach `MIN_CONTRAST` on
    every ground: the style's hue stays, its faint greys and greens become legible."""
    rgb, target = _rgb(colour), (1.0, 1.0, 1.0) if dark else (0.0, 0.0, 0.0)
    for step in range(21):
        share = step / 20
        mixed = tuple(c + (t - c) * share for c, t in zip(rgb, target, strict=True))
        candidate = '#' + ''.join(f'{round(c * 255):02x}' for c in mixed)
        if all(contrast(candidate, ground) >= MIN_CONTRAST for ground in grounds):
            return candidate
    return '#ffffff' if dark else '#000000'


def _style_defs(style: str, scope: str, grounds: tuple[str, ...], *, dark: bool) -> str:
    """Pygments' rules for `style` under `scope`, token colours only (no backgrounds of its own), each readable."""
    css = '\n'.join(HtmlFormatter(style=style).get_token_style_defs(scope))
    css = re.sub(r'background-color: #[0-9a-fA-F]{3,6};?\s*', '', css)
    css = re.sub(r'border: 1px solid #[0-9a-fA-F]{3,6};?\s*', '', css)
    return re.sub(r'(?<![-\w])color: (#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b',
                  lambda m: f'color: {readable(m.group(1), grounds, dark=dark)}', css)


HIGHLIGHT_CSS = (_style_defs('default', '.aod-hl', LIGHT_GROUNDS, dark=False)
                 + '\n' + _style_defs('monokai', '.body--dark .aod-hl', DARK_GROUNDS, dark=True))
"""Token colours for `.aod-hl` blocks, light and dark (Quasar marks dark mode with `body--dark`), each adjusted to
read at `MIN_CONTRAST` on every ground code is shown on."""


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
