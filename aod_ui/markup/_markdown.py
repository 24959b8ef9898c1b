"""Markdown to safe HTML (CommonMark with tables and strikethrough, via markdown-it-py).

Raw HTML is never passed through (`html: False` shows it as text); a link or autolink is made only to an http,
https or mailto address and opens in a new tab without handing over the page (`rel="noopener noreferrer"`);
an image becomes a link to it (nothing is loaded from elsewhere); fenced code is highlighted by Pygments.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from ._highlight import highlight_lines, lexer_named
from ._html import Html

__all__ = ['MARKDOWN_CSS', 'markdown_html', 'safe_url']

SCHEMES = ('http://', 'https://', 'mailto:')
RENDER_LIMIT = 200_000
"""Longer text is shown as escaped plain text: agent answers are far shorter, and rendering has a cost."""
CACHE_CHARS = 4_000_000
"""How much text and HTML the renderings kept for other pages (and page loads) may take."""
MARKDOWN_CSS = '''
.aod-md { line-height: 1.6; overflow-wrap: anywhere; }
.aod-md > :first-child { margin-top: 0; }
.aod-md > :last-child { margin-bottom: 0; }
.aod-md p, .aod-md ul, .aod-md ol, .aod-md pre, .aod-md blockquote, .aod-md table { margin: 0.5em 0; }
.aod-md h1, .aod-md h2, .aod-md h3, .aod-md h4, .aod-md h5, .aod-md h6 { font-weight: 600; margin: 0.8em 0 0.4em; }
.aod-md h1 { font-size: 1.4em; } .aod-md h2 { font-size: 1.25em; } .aod-md h3 { font-size: 1.1em; }
.aod-md ul { list-style: disc; padding-left: 1.5em; }
.aod-md ol { list-style: decimal; padding-left: 1.5em; }
.aod-md li > p { margin: 0; }
.aod-md a { color: var(--q-primary); text-decoration: underline; }
.body--dark .aod-md a { color: #a5b4fc; }
.aod-md code { font-family: ui-monospace, monospace; font-size: 0.9em; padding: 0.1em 0.3em; border-radius: 4px;
  background: rgba(128, 128, 128, 0.15); }
.aod-md pre { padding: 0.6em 0.8em; border-radius: 6px; overflow-x: auto; background: rgba(128, 128, 128, 0.1);
  white-space: pre; }
.aod-md pre code { padding: 0; background: none; font-size: 0.8rem; }
.aod-md blockquote { border-left: 3px solid rgba(128, 128, 128, 0.4); padding-left: 0.8em; opacity: 0.85; }
.aod-md table { border-collapse: collapse; display: block; overflow-x: auto; }
.aod-md th, .aod-md td { border: 1px solid rgba(128, 128, 128, 0.35); padding: 0.2em 0.6em; }
.aod-md hr { border-color: rgba(128, 128, 128, 0.35); margin: 1em 0; }
'''
"""Typography for rendered Markdown (Tailwind's reset takes list markers, heading sizes and margins away)."""


def safe_url(url: str) -> bool:
    """Whether a (normalised) link may become a link: http, https and mailto only."""
    return url.strip().lower().startswith(SCHEMES)


def _highlight(code: str, lang: str, _attrs: str) -> str:
    lexer = lexer_named(lang)
    if lexer is None:
        return ''  # markdown-it escapes it
    # focusable, so a keyboard can scroll a wide block sideways
    return '<pre class="aod-hl" tabindex="0"><code>' + '\n'.join(highlight_lines(code, lexer)) + '</code></pre>'


def _link_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    tokens[idx].attrSet('target', '_blank')
    tokens[idx].attrSet('rel', 'noopener noreferrer')
    return self.renderToken(tokens, idx, options, env)


def _image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env) or 'image'
    src = token.attrGet('src') or ''
    return (f'<a href="{escapeHtml(str(src))}" target="_blank" rel="noopener noreferrer">'
            f'{escapeHtml(alt)}</a>')


@functools.cache
def _parser() -> MarkdownIt:
    md = MarkdownIt('commonmark', {'html': False, 'linkify': False, 'typographer': False,
                                   'highlight': _highlight})
    md.enable(['table', 'strikethrough'])
    md.validateLink = safe_url  # type: ignore[method-assign]  # (links, autolinks, images, references)
    md.add_render_rule('link_open', _link_open)
    md.add_render_rule('image', _image)
    return md


class _Rendered:
    """The latest renderings, up to `CACHE_CHARS` characters of text and HTML together (least recently used go)."""

    def __init__(self) -> None:
        self.items: OrderedDict[str, Html] = OrderedDict()
        self.chars = 0

    def get(self, text: str) -> Html | None:
        html = self.items.get(text)
        if html is not None:
            self.items.move_to_end(text)
        return html

    def put(self, text: str, html: Html) -> None:
        self.items[text] = html
        self.chars += len(text) + len(html)
        while self.chars > CACHE_CHARS and len(self.items) > 1:
            old, old_html = self.items.popitem(last=False)
            self.chars -= len(old) + len(old_html)


_rendered = _Rendered()


def markdown_html(text: str) -> Html:
    """`text` (Markdown written by an agent) as safe HTML in an `aod-md` block; the same text is rendered once
    however many pages show it."""
    html = _rendered.get(text)
    if html is None:
        body = f'<pre tabindex="0">{escapeHtml(text)}</pre>' if len(text) > RENDER_LIMIT else _parser().render(text)
        html = Html(f'<div class="aod-md">{body}</div>')
        _rendered.put(text, html)
    return html
