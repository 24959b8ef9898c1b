"""Cutting output chunks into lines per turn (`LineDemux`) and the window of lines a page shows (`LineIndex`)."""

from __future__ import annotations

import pytest

from aod_ui.transcript import LineDemux, LineIndex, RawLine


def lines_of(*events: dict) -> list[RawLine]:
    demux, done = LineDemux(), []
    for event in events:
        done += demux.push(event)
    return done + demux.flush()


def out(data: object, **more: object) -> dict:
    return {'type': 'output', 'stream': 'stdout', 'data': data, **more}


def test_output_before_any_turn_is_turn_one_and_each_turn_start_counts_on() -> None:
    assert lines_of(out('a\n'), {'type': 'turn_start'}, out('b\n'), {'type': 'turn_start'}, out('c\n')) == [
        RawLine(1, 'stdout', 'a'), RawLine(2, 'stdout', 'b'), RawLine(3, 'stdout', 'c')]
    demux = LineDemux()
    demux.push(out('a'))
    assert demux.saved() == {'turn': 1, 'parts': {'stdout': 'a'}}


def test_output_without_a_turn_belongs_to_the_current_one() -> None:
    assert lines_of({'type': 'turn_start', 'turn': 4}, out('a\n'), out('b\n', turn=True), out('c\n', turn='5')) == [
        RawLine(4, 'stdout', 'a'), RawLine(4, 'stdout', 'b'), RawLine(4, 'stdout', 'c')]
    assert lines_of({'type': 'turn_start', 'turn': 4}, {'type': 'turn_start'}, out('a\n')) == [
        RawLine(5, 'stdout', 'a')]
    assert lines_of(out('a\n', turn=2), out('b\n', turn=3)) == [RawLine(2, 'stdout', 'a'), RawLine(3, 'stdout', 'b')]


def test_an_unfinished_line_is_its_pieces_joined() -> None:
    demux = LineDemux()
    for piece in ('ab', 'cd', 'ef'):
        demux.push(out(piece))
    demux.push({'type': 'output', 'stream': 'stderr', 'data': 'x'})
    demux.push({'type': 'output', 'stream': 'stderr', 'data': 'y'})
    assert demux.pending() == [RawLine(1, 'stdout', 'abcdef'), RawLine(1, 'stderr', 'xy')]
    assert demux.flush() == [RawLine(1, 'stdout', 'abcdef'), RawLine(1, 'stderr', 'xy')]
    assert demux.pending() == [] and demux.flush() == []


@pytest.mark.parametrize('data', ['', None, 5, ['a\n']])
def test_output_without_text_makes_no_line(data: object) -> None:
    assert lines_of(out(data), {'type': 'exit', 'code': 0}) == []


def test_a_window_of_lines_counts_from_either_end() -> None:
    index = LineIndex()
    index.extend([RawLine(1, 'stdout', 'a'), RawLine(1, 'stderr', 'b'), RawLine(2, 'stdout', 'c')])
    everything = [RawLine(1, 'stdout', 'a'), RawLine(1, 'stderr', 'b'), RawLine(2, 'stdout', 'c')]
    assert index.lines() == everything
    assert index.texts() == ['a', 'b', 'c']
    assert index.lines(0, 0) == [] and index.texts(1, 0) == []
    assert index.lines(0, -1) == everything[:2]
    assert index.lines(-2, -1) == everything[1:2]
    assert index.texts(-2) == ['b', 'c']
    assert index.lines(1, 2) == everything[1:2]


def test_a_reader_that_resumes_later_goes_on_with_the_unfinished_lines() -> None:
    demux = LineDemux()
    for event in ({'type': 'turn_start', 'turn': 2}, out('ab'), out('cd'), out('done\nef')):
        demux.push(event)
    demux.push({'type': 'output', 'stream': 'stderr', 'data': 'x'})
    saved = demux.saved()
    assert saved == {'turn': 2, 'parts': {'stdout': 'ef', 'stderr': 'x'}}
    demux.push(out('gh'))
    assert demux.saved() == {'turn': 2, 'parts': {'stdout': 'efgh', 'stderr': 'x'}}  # its pieces joined
    again = LineDemux.restored(saved)
    assert again.turn == 2 and again.pending() == [RawLine(2, 'stdout', 'ef'), RawLine(2, 'stderr', 'x')]
    assert again.push(out('g\n')) == [RawLine(2, 'stdout', 'efg')]
    assert again.flush() == [RawLine(2, 'stderr', 'x')]
    # what a reader cannot use is left out: streams it does not know, empty pieces, no parts at all
    odd = LineDemux.restored({'turn': 3, 'parts': {'stdout': '', 'video': 'x', 'stderr': 'y'}})
    assert (odd.turn, odd.pending()) == (3, [RawLine(3, 'stderr', 'y')])
    assert (LineDemux.restored({}).turn, LineDemux.restored({'parts': None}).pending()) == (None, [])
