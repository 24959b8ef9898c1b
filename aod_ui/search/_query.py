"""What a person types, as an FTS5 query, and where its words are in a line (for highlighting as text pieces).

Nothing typed reaches FTS5's query syntax: every whitespace-separated chunk becomes one quoted phrase of its words
(`src/app.py` is the phrase `"src app py"`, as the tokenizer cut the indexed text), the last one a prefix, so
operators, quotes and brackets are just characters to look for.

A prefix costs FTS5 a merge of every line holding any word it begins before the first match comes out (about
0.1 s for a word in millions of lines), where a whole word streams its newest matches at once. So a search asks
first for its last word whole (`exact`), and widens it to a prefix only when that finds fewer matches than are
counted: a word found often enough as typed is not widened to the words it begins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ['Query', 'parse_query', 'pieces']

_WORD = re.compile(r'\w+', re.UNICODE)


@dataclass(frozen=True)
class Query:
    """A parsed search: the FTS5 expression and the words to highlight."""

    expression: str
    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...] = ()
    """The words of each phrase (all must match; the last is a prefix)."""
    exact: str = ''
    """The expression with its last word whole."""

    def __bool__(self) -> bool:
        return bool(self.words)


def parse_query(text: str) -> Query:
    """The FTS5 expression for a person's search text (empty when it holds no word)."""
    phrases: list[list[str]] = [words for chunk in text.split() if (words := _WORD.findall(chunk))]
    if not phrases:
        return Query('', ())
    quoted = ['"' + ' '.join(words) + '"' for words in phrases]
    exact = ' AND '.join(quoted)
    quoted[-1] += '*'
    return Query(' AND '.join(quoted), tuple(word for words in phrases for word in words),
                 tuple(tuple(words) for words in phrases), exact)


def pieces(text: str, words: tuple[str, ...] | list[str]) -> list[tuple[str, bool]]:
    """`text` cut into pieces, each with whether it is (the start of) a searched word, case-insensitively; joined
    they are `text` again. Pages render each piece as its own text element, so nothing becomes markup."""
    if not words or not text:
        return [(text, False)] if text else []
    pattern = re.compile('|'.join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)), re.IGNORECASE)
    result: list[tuple[str, bool]] = []
    last = 0
    for match in pattern.finditer(text):
        if match.start() > last:
            result.append((text[last:match.start()], False))
        result.append((match.group(), True))
        last = match.end()
    if last < len(text):
        result.append((text[last:], False))
    return result
