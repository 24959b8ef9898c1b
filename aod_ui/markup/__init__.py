"""Agent text made into safe HTML on the server: Markdown and diffs, syntax-highlighted with Pygments (offline).

Pure domain code (no NiceGUI). Every function here returns `Html`, built so that untrusted text can only ever
appear in it escaped: raw HTML in Markdown is shown as text, links go only to http, https and mailto addresses
(opening in a new tab, with `rel="noopener noreferrer"`), images become links, and highlighted code is Pygments'
escaped output. `components/safe_html.py` puts only `Html` into a page.
"""

from ._diff_html import DIFF_CSS, diff_html
from ._highlight import HIGHLIGHT_CSS, highlight_lines, lexer_for_path
from ._html import Html
from ._markdown import MARKDOWN_CSS, markdown_html

__all__ = ['DIFF_CSS', 'HIGHLIGHT_CSS', 'MARKDOWN_CSS', 'Html', 'diff_html', 'highlight_lines', 'lexer_for_path',
           'markdown_html']
