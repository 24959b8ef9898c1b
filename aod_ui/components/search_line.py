"""One matching line in its context: the line before, the line with the searched words marked, the line after.

The words are marked by cutting the line into pieces, each its own text element: the line never becomes markup."""

from __future__ import annotations

from nicegui import ui

from ..search import Hit, pieces

__all__ = ['SearchLine']

CONTEXT = 160
"""Characters of a neighbouring line shown."""
AROUND = 240
"""Characters shown around the first match of a long line."""


def excerpt(text: str, words: tuple[str, ...]) -> str:
    """A long line cut down to the part around its first match."""
    if len(text) <= 2 * AROUND:
        return text
    lower = text.lower()
    first = min((i for w in words if (i := lower.find(w.lower())) >= 0), default=0)
    start = max(0, first - AROUND // 2)
    return ('…' if start else '') + text[start:start + 2 * AROUND] + ('…' if start + 2 * AROUND < len(text) else '')


def piece(tag: str, text: str) -> ui.element:
    """An element holding `text` as its text content (Vue renders it escaped: never parsed as markup)."""
    element = ui.element(tag)
    element._text = text
    return element


class SearchLine(ui.column):
    """A hit with its neighbouring lines (a turn's prompt stands alone)."""

    def __init__(self, hit: Hit, words: tuple[str, ...]) -> None:
        super().__init__()
        self.classes('w-full gap-0 font-mono text-xs whitespace-pre-wrap [overflow-wrap:anywhere] rounded '
                     'bg-gray-100 dark:bg-gray-800 p-2').mark('search-line')
        with self:
            if hit.before:
                ui.label(hit.before[:CONTEXT]).classes('opacity-50 truncate w-full')
            with ui.element('div').classes('w-full').mark('search-match'):
                if hit.kind == 'prompt':
                    piece('span', 'Prompt: ').classes('font-semibold')
                for text, marked in pieces(excerpt(hit.text, words), words):
                    if marked:
                        piece('mark', text).classes('bg-amber-200 text-black rounded-sm')
                    else:
                        piece('span', text)
            if hit.after:
                ui.label(hit.after[:CONTEXT]).classes('opacity-50 truncate w-full')
