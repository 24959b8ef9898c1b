"""Merged line entries keep their text and their size (which the merge rule and the page's window read) in step."""

from aod_ui.transcript import StderrEntry, StdoutEntry


def test_lines_count_their_characters_with_one_newline_each():
    entry = StdoutEntry(key=1)
    entry.append('hello')
    assert (entry.text, entry.chars) == ('hello', 6)
    entry.extend(['a', 'bc'])
    assert (entry.text, entry.chars) == ('hello\na\nbc', 6 + 2 + 3)
    entry.append('')
    assert (entry.text, entry.chars) == ('hello\na\nbc\n', 12)
    entry.extend([])
    assert entry.chars == 12


def test_the_text_follows_every_change():
    entry = StderrEntry(key=2, lines=['x'], chars=2)
    assert entry.text == 'x'
    entry.append('y')
    assert entry.text == 'x\ny'
    entry.extend(['z'])
    assert entry.text == 'x\ny\nz' and entry.chars == 6
