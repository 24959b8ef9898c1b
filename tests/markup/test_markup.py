"""Markdown and diffs as HTML: hostile text never becomes markup, links are safe, code is highlighted."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from aod_ui.markup import Html, diff_html, markdown_html

ALLOWED = {'div', 'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'em', 'strong', 's', 'code', 'pre',
           'span', 'a', 'blockquote', 'hr', 'br', 'table', 'thead', 'tbody', 'tr', 'th', 'td'}
ATTRIBUTES = {'class', 'href', 'target', 'rel', 'style', 'tabindex'}
HOSTILE = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '[click](javascript:alert(1))',
    '[click](JaVaScRiPt:alert(1))',
    '[click](  javascript:alert(1))',
    '[click](<javascript:alert(1)>)',
    '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '[click](vbscript:msgbox(1))',
    '<javascript:alert(1)>',
    '![x](javascript:alert(1))',
    '![x" onerror="alert(1)](https://example.com/a.png)',
    '[x](https://example.com/" onmouseover="alert(1))',
    '[ref]\n\n[ref]: javascript:alert(1)',
    '```html\n<script>alert(1)</script>\n```',
    '```"><script>alert(1)</script>\ncode\n```',
    '`<b onclick=alert(1)>`',
    '<a href="javascript:alert(1)">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '| <script>x</script> | b |\n|---|---|\n| <svg onload=alert(1)> | d |',
    '<!-- comment --> <style>body{display:none}</style>',
    '&lt;script&gt; &#60;script&#62;',
]


class Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            self.problems.append(f'tag {tag}')
        for name, value in attrs:
            if name not in ATTRIBUTES:
                self.problems.append(f'attribute {name}')
            if name == 'href' and not (value or '').startswith(('http://', 'https://', 'mailto:')):
                self.problems.append(f'href {value}')
            if name == 'style':
                self.problems.append('style')
            if name == 'tabindex' and (tag != 'pre' or value != '0'):  # only a code block, to scroll it by keyboard
                self.problems.append(f'tabindex on {tag}')
        if tag == 'a' and dict(attrs).get('rel') != 'noopener noreferrer':
            self.problems.append('a without rel')

    def handle_comment(self, data: str) -> None:
        self.problems.append('comment')


def problems(html: str) -> list[str]:
    checker = Checker()
    checker.feed(html)
    checker.close()
    return checker.problems


@pytest.mark.parametrize('text', HOSTILE)
def test_hostile_markdown_never_becomes_markup(text: str) -> None:
    html = markdown_html(text)
    assert isinstance(html, Html)
    assert problems(html) == []
    assert '<script' not in html.lower()


def test_no_link_leads_to_script() -> None:
    for text in HOSTILE:
        assert 'href="javascript' not in markdown_html(text).lower()
        assert 'href="data' not in markdown_html(text).lower()


def test_markdown_is_rendered() -> None:
    html = markdown_html('# Review\n\n**Blocking**: `round()` in [PR](https://github.com/o/r/pull/1)\n\n- a\n- b\n')
    assert '<h1>Review</h1>' in html
    assert '<strong>Blocking</strong>' in html and '<code>round()</code>' in html
    assert '<a href="https://github.com/o/r/pull/1" target="_blank" rel="noopener noreferrer">PR</a>' in html
    assert '<ul>' in html and problems(html) == []


def test_images_become_links_and_load_nothing() -> None:
    html = markdown_html('![diagram](https://example.com/d.png)')
    assert '<img' not in html
    assert '<a href="https://example.com/d.png" target="_blank" rel="noopener noreferrer">diagram</a>' in html


def test_fenced_code_is_highlighted_and_escaped() -> None:
    html = markdown_html('```python\ndef f():\n    return "<b>"\n```')
    assert '<pre class="aod-hl" tabindex="0">' in html
    assert '<span class="k">def</span>' in html
    assert '&lt;b&gt;' in html and '<b>' not in html
    assert problems(html) == []


def test_unknown_languages_and_long_text_are_escaped_plain() -> None:
    assert '&lt;x&gt;' in markdown_html('```nosuchlang\n<x>\n```')
    long = '<script>' + 'a' * 300_000
    html = markdown_html(long)
    assert html.startswith('<div class="aod-md"><pre tabindex="0">&lt;script&gt;') and problems(html) == []


def test_a_diff_is_highlighted_for_its_file_and_escaped() -> None:
    html = diff_html('src/app.py', ['@@ -1,2 +1,2 @@ <b>', ' import os', '-x = "<i>"', '+x = "<script>"',
                                    '\\ No newline at end of file'])
    assert problems(html) == []
    assert html.count('class="aod-add"') == 1 and html.count('class="aod-del"') == 1
    assert '@@ -1,2 +1,2 @@ &lt;b&gt;' in html
    assert '<span class="kn">import</span>' in html
    assert '&lt;script&gt;' in html
    assert problems(diff_html('x.unknownext', ['+<img src=x onerror=alert(1)>'])) == []


def test_hunks_without_line_numbers_are_separated_quietly() -> None:
    html = diff_html('a.txt', ['@@', '-a', '+b', '@@', '+c'])
    assert html.count('class="aod-hunk"') == 1 and '⋯' in html


def test_renderings_are_shared_and_bounded() -> None:
    from aod_ui.markup import _markdown
    assert markdown_html('*shared*') is markdown_html('*shared*')
    for n in range(30):
        markdown_html(f'{n} ' + 'x' * 200_000)
    assert _markdown._rendered.chars <= _markdown.CACHE_CHARS


def test_every_highlight_colour_reads_on_every_ground_code_is_shown_on() -> None:
    from aod_ui.markup._highlight import DARK_GROUNDS, HIGHLIGHT_CSS, LIGHT_GROUNDS, MIN_CONTRAST, contrast, readable

    light, dark = HIGHLIGHT_CSS.split('.body--dark', 1)
    for part, grounds in ((light, LIGHT_GROUNDS), (dark, DARK_GROUNDS)):
        colours = set(re.findall(r'(?<![-\w])color: (#[0-9a-f]{6})', part))
        assert len(colours) > 5  # the styles' hues are kept, not flattened to one
        assert all(contrast(c, ground) >= MIN_CONTRAST for c in colours for ground in grounds)
    assert 'background' not in HIGHLIGHT_CSS  # the grounds are the page's, which the colours were checked on
    assert readable('#008000', LIGHT_GROUNDS, dark=False) != '#008000'  # Pygments' green keyword, too faint
    assert readable('#000000', LIGHT_GROUNDS, dark=False) == '#000000'
