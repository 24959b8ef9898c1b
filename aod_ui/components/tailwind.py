"""Living with the Tailwind compiler that NiceGUI runs in every page.

Class names that live updates bring are shown to it when the page loads. Whenever a class name it has not seen
appears anywhere in the page (one of ours, a Tailwind utility or a Quasar component's own), it replaces the page's
whole stylesheet, and the browser restyles and lays out every element again. At a session's first output that
tripled what each viewer's page spent on the push (80 ms instead of 35 on an idle machine, several times more with
several pages open), and it came again with each new kind of transcript entry. Modules register the classes their
live parts use with `late` when they are imported; `preload` puts them all, hidden, into every page.

It also records a performance mark and measure for each of its builds, and a live page builds whenever an element
is added: `forget_timings` clears them every ten seconds, or a page left open for a day would keep millions.
"""

from __future__ import annotations

from nicegui import ui

__all__ = ['forget_timings', 'late', 'preload']

_LATE: set[str] = set()
_joined = ''
_FORGET = '<script>setInterval(() => { performance.clearMarks(); performance.clearMeasures(); }, 10000);</script>'
_forgetting = False


def late(*classes: str) -> str:
    """Register space-separated class names that may appear after a page loaded; returns them joined, for use."""
    global _joined
    for names in classes:
        _LATE.update(names.split())
    _joined = ''
    return ' '.join(classes)


def forget_timings() -> None:
    """Have every page clear its performance marks and measures every ten seconds (the dashboard sets none)."""
    global _forgetting
    if not _forgetting:
        ui.add_head_html(_FORGET, shared=True)
        _forgetting = True


def preload() -> None:
    """Every registered class on one element that is never displayed (its parent is not, whatever they style)."""
    global _joined
    if not _joined:
        _joined = ' '.join(sorted(_LATE))
    with ui.element('div').classes('hidden'):
        # one string shared by every page as the element's class attribute, not a list of its names per page
        ui.element('div').props['class'] = _joined


late('q-notification q-notification--standard q-notification--bottom-enter-active q-notification--bottom-enter-from',
     'q-notification--bottom-enter-to q-notification--bottom-leave-active q-notification--bottom-leave-from',
     'q-notification--bottom-leave-to q-notification--bottom-move q-notification--top-enter-active',
     'q-notification--top-enter-from q-notification--top-enter-to q-notification--top-leave-active',
     'q-notification--top-leave-from q-notification--top-leave-to q-notification--top-move',
     'q-notification__wrapper q-notification__content q-notification__icon q-notification__icon--additional',
     'q-notification__message q-notification__actions items-stretch border-radius-inherit',
     'bg-positive bg-negative bg-warning bg-info text-white text-dark')
"""What Quasar gives a notification (`ui.notify`; a warning has dark text), which any page may show at any time."""
