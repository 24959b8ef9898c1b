"""HTML made by `aod_ui.markup` (rendered Markdown, highlighted diffs), and nothing else, in a page.

The HTML is made once on the server, from escaped text with an allowed set of tags and link addresses; this element
only inserts it. It takes `Html` and refuses a plain string, so no other text can become markup through it. The
class names the HTML brings (Pygments' token classes among them) are styled by `add_markup_css`.
"""

from __future__ import annotations

from nicegui import ui

from ..markup import DIFF_CSS, HIGHLIGHT_CSS, MARKDOWN_CSS, Html

__all__ = ['SafeHtml', 'add_markup_css']

CSS = MARKDOWN_CSS + HIGHLIGHT_CSS + DIFF_CSS


def add_markup_css() -> None:
    """The look of rendered Markdown and diffs, once per page."""
    client = ui.context.client
    if not getattr(client, 'aod_markup_css', False):
        ui.add_css(CSS)
        client.aod_markup_css = True  # type: ignore[attr-defined]


class SafeHtml(ui.element, component='safe_html.js'):

    def __init__(self, html: Html) -> None:
        super().__init__()
        # straight into the new element's props: it goes to the browser whole anyway, and every viewer builds one for
        # each new text of the agent, so the change handling of `set_html` is skipped here
        dict.__setitem__(self._props, 'html', _checked(html))
        add_markup_css()

    def set_html(self, html: Html) -> None:
        self._props['html'] = _checked(html)
        self.update()


def _checked(html: Html) -> Html:
    if not isinstance(html, Html):
        raise TypeError('SafeHtml shows only HTML made by aod_ui.markup')
    return html
