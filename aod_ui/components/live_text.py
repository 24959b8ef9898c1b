"""Text that grows at its end, such as live output, without re-rendering the page on every change.

NiceGUI re-renders a page's whole element tree in the browser whenever one of its elements changes, so each update
costs each viewer's browser more the more the page holds. `LiveText.set_text` sends only what was added, as one
small method call, when the new text extends the old; any other change replaces the text as a normal element update
with a new revision, and appends meant for an older revision are ignored by the browser. The text always goes into
the page as text (a text node), never as HTML.
"""

from __future__ import annotations

import json

from nicegui import ui

__all__ = ['LiveText']


class LiveText(ui.element, component='live_text.js'):

    def __init__(self, text: str = '') -> None:
        super().__init__()
        self._props['text'] = text
        self._props['rev'] = 0

    def set_text(self, text: str) -> None:
        """Show `text`: appended in place when it extends what the browser has, replaced otherwise."""
        shown = self._props['text']
        if text == shown:
            return
        if shown and text.startswith(shown) and self.id not in self.client.outbox.updates:
            # kept in the element without an update of its own, so a later render or a reload has the whole text
            dict.__setitem__(self._props, 'text', text)
            # straight into the client's outbox, in order with its other messages; `run_method` would add a task and
            # a failed first evaluation in the browser to every call, and the page reads this call without `eval`
            code = f'aodAppend({json.dumps([self.id, text[len(shown):], self._props["rev"]])})'
            self.client.outbox.enqueue_message('run_javascript', {'code': code}, self.client.id)
            return
        # new, rewritten, or with an update on its way that will carry the whole text anyway
        self._props['text'] = text
        self._props['rev'] += 1
