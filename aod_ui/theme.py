"""Colours, icons and shared classes: the one place the dashboard's look is decided."""

from __future__ import annotations

__all__ = ['BRAND', 'CSS', 'NOTICE', 'PHONE_HIDDEN', 'PRIMARY', 'PROBLEM', 'STATUS_COLORS', 'STATUS_ICONS',
           'status_color', 'status_icon']

PRIMARY = '#4f46e5'
BRAND = {'primary': PRIMARY, 'positive': '#2e7d32', 'negative': '#c10015', 'info': '#1976d2', 'warning': '#f2c037'}
"""Quasar's brand colours. White text on each of the first four has a contrast of at least 4.5:1 (Quasar's own
green and cyan have 2.6 and 1.9); a warning has dark text."""
PROBLEM = 'text-red-800 bg-red-100 dark:text-red-100 dark:bg-red-950 rounded'
"""A problem a page shows in its place (AoD unreachable, a refused launch), as a red banner."""
NOTICE = 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-100'
"""Something to know (demo mode, a session kept only in the archive), as an amber banner."""
PHONE_HIDDEN = {'classes': 'max-sm:hidden', 'headerClasses': 'max-sm:hidden'}
"""Added to a table column that a phone leaves out, so that the table fits its screen."""

CSS = '''
@layer components {
  .nicegui-link { color: #1e40af; }
  body.body--dark .nicegui-link { color: #93c5fd; }
  body.body--dark .q-field__control { color: #a5b4fc; }
}
@layer overrides {
  body.body--dark .text-primary { color: #a5b4fc !important; }
  body.body--dark .text-positive { color: #86efac !important; }
  body.body--dark .text-negative { color: #fca5a5 !important; }
  body.body--dark .text-grey-7, body.body--dark .text-grey-8 { color: #bdbdbd !important; }
  body.body--dark .aod-chart text { fill: #e5e7eb !important; }
}
'''
"""Links darker than NiceGUI's blue (3.7:1 on white), also in a faded line. Dark mode: text in a brand colour,
links and a focused field's label are drawn lighter, or they would not stand out from the dark page, and so is the
text of charts; buttons and badges keep the brand colour as their background, with white text. (Layers: the links'
colour gives way to a Tailwind class such as `text-white`; an `!important` in NiceGUI's layer `overrides` wins over
Quasar's, which sit in a later layer.)"""

STATUS_COLORS = {
    'pending': 'deep-orange-10',
    'running': 'blue-8',
    'completed': 'positive',
    'failed': 'negative',
    'terminated': 'grey-7',
}
STATUS_ICONS = {
    'pending': 'hourglass_top',
    'running': 'play_circle',
    'completed': 'check_circle',
    'failed': 'error',
    'terminated': 'stop_circle',
}


def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, 'grey-6')


def status_icon(status: str) -> str:
    return STATUS_ICONS.get(status, 'help')
