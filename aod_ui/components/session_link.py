"""A session named by its prompt (its first line, clipped), linking to its page, with its id on hover."""

from __future__ import annotations

from nicegui import ui

__all__ = ['SLOT', 'SessionLink']

SLOT = r'''
<q-td :props="props" class="max-w-xs">
  <a v-if="props.row.session" :href="'/sessions/' + props.row.session" :title="props.row.session"
     class="block truncate text-primary">{{ props.row.session_title || props.row.session.slice(0, 8) }}</a>
  <span v-else>{{ props.value }}</span>
</q-td>'''
"""A table cell for rows with `session` (an id) and `session_title`: the title links to the session, the id is on
hover; rows without a session show the cell's own value. Vue's `{{ }}` escapes: a prompt never becomes markup."""


class SessionLink(ui.link):
    """`title` is the prompt's first line (`SessionService.titles`); without one the id's start stands for it."""

    def __init__(self, session_id: str, title: str = '', *, limit: int = 80) -> None:
        text = title if len(title) <= limit else title[:limit - 1] + '…'
        super().__init__(text or session_id[:8], f'/sessions/{session_id}')
        self._props['title'] = session_id  # set, not parsed: the id is shown as it is
        self.classes('truncate max-w-full' if title else 'font-mono')
