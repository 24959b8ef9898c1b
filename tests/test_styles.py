"""The committed stylesheet is what Tailwind's compiler makes of the code's class names now (`make styles`)."""

from __future__ import annotations

from aod_ui.components.stylesheet import STYLES
from tools.styles import build, class_names, utilities


def test_the_committed_stylesheet_is_built_from_the_class_names_in_the_code_now():
    assert STYLES.read_text() == build(), 'aod_ui/static/styles.css is out of date: run `make styles` and commit it'


def test_the_stylesheet_holds_the_classes_of_the_transcript_and_dark_mode_as_quasar_marks_it():
    css = STYLES.read_text()
    names = class_names(css)
    assert {'w-full', 'font-mono', '[overflow-wrap:anywhere]', 'dark:bg-gray-800', 'sm:w-72'} <= names
    assert 'body.body--dark' in css  # dark: follows Quasar's dark mode, not the system's
    assert 'prefers-color-scheme' not in css


def test_utilities_are_told_from_quasars_and_our_own_class_names():
    assert utilities({'w-full', 'q-card', 'nicegui-row', 'aod-turn', 'row', 'sm:w-72', 'bg-red-50', 'x"y'}) == {
        'w-full', 'sm:w-72', 'bg-red-50'}
