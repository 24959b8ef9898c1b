"""A file's diff as safe HTML: one block line per diff line, added and removed lines marked, the code highlighted
for the file's language."""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.common.utils import escapeHtml

from ._highlight import highlight_lines, lexer_for_path
from ._html import Html

__all__ = ['DIFF_CSS', 'diff_html']

_KINDS = {'+': 'aod-add', '-': 'aod-del', ' ': 'aod-ctx', '@': 'aod-hunk', '\\': 'aod-hunk'}
DIFF_CSS = '''
.aod-diff { font-family: ui-monospace, monospace; font-size: 0.78rem; line-height: 1.45; margin: 0;
  white-space: pre-wrap; overflow-wrap: anywhere; padding: 0.25rem 0; }
.aod-diff > span { display: block; padding: 0 0.6rem 0 2.2em; text-indent: -1.6em; }
.aod-diff .aod-sign { user-select: none; opacity: 0.6; display: inline-block; width: 1.2em; }
.aod-diff .aod-add { background: rgba(46, 160, 67, 0.15); }
.aod-diff .aod-del { background: rgba(248, 81, 73, 0.15); }
.aod-diff .aod-hunk { color: #57606a; background: rgba(84, 174, 255, 0.1); }
.body--dark .aod-diff .aod-hunk { color: #8b949e; }
'''
"""The look of a diff (with `HIGHLIGHT_CSS` for the code's colours)."""


def diff_html(path: str, lines: Sequence[str]) -> Html:
    """Diff `lines` (each starting with `+`, `-`, ` `, `@` for a hunk header or `\\`) of the file at `path`; a bare
    `@@` starts a hunk without line numbers."""
    code = [line[1:] if line[:1] in '+- ' else '' for line in lines]
    highlighted = highlight_lines('\n'.join(code), lexer_for_path(path)) if lines else []
    parts = ['<pre class="aod-diff aod-hl">']
    for index, line in enumerate(lines):
        sign = line[:1] if line[:1] in _KINDS else ' '
        kind = _KINDS[sign]
        if line == '@@':  # a hunk of an edit whose line numbers are unknown: the first needs no header
            if index:
                parts.append(f'<span class="{kind}">⋯</span>')
        elif sign in '@\\':
            parts.append(f'<span class="{kind}">{escapeHtml(line)}</span>')
        else:
            body = highlighted[index] if index < len(highlighted) else escapeHtml(code[index])
            parts.append(f'<span class="{kind}"><span class="aod-sign">{sign}</span>{body}</span>')
    parts.append('</pre>')
    return Html(''.join(parts))
