"""How plain output is merged into entries (by lines and characters), how stages open and close, and how prompts
are clipped: the shapes a page shows."""

from __future__ import annotations

from aod_ui.transcript import Transcript

from .samples import output


def stdout_groups(transcript: Transcript) -> list[list[str]]:
    return [list(e.lines) for e in transcript.entries if e.kind == 'stdout_text']


def test_plain_lines_merge_while_the_characters_stay_under_the_limit() -> None:
    # each line counts its characters and its line break
    filling = Transcript(merge_chars=12)
    filling.feed(output('abcd\nefg\nxy\n', 1))
    filling.feed(output('z\n', 2))
    assert stdout_groups(filling) == [['abcd', 'efg', 'xy'], ['z']]
    reaching = Transcript(merge_chars=12)
    reaching.feed(output('abcd\nefg\nxyz\n', 1))  # 'xyz' would make it 12: not under the limit
    assert stdout_groups(reaching) == [['abcd', 'efg'], ['xyz']]


def test_a_long_line_is_clipped_when_merged_too() -> None:
    transcript = Transcript(display_limit=5)
    transcript.feed(output('first\nabcdefghij\n', 1))
    assert stdout_groups(transcript) == [['first', 'abcde… (5 more characters)']]


def test_a_stage_keeps_what_its_start_said_and_a_new_start_opens_a_new_stage() -> None:
    transcript = Transcript()
    transcript.feed_many([
        {'type': 'turn_start', 'id': 1, 'turn': 1},
        {'type': 'stage', 'id': 2, 'stage': 'install', 'state': 'started', 'duration_ms': 5,
         'message': 'from the cache'},
        {'type': 'stage', 'id': 3, 'stage': 'install', 'state': 'done'},
        {'type': 'stage', 'id': 4, 'stage': 'install', 'state': 'started'},
        {'type': 'stage', 'id': 5, 'state': 'done', 'duration_ms': 7, 'message': 'anonymous'},
    ])
    stages = [e for e in transcript.entries if e.kind == 'stage']
    assert [(s.name, s.state, s.duration_ms, s.message, s.event_id, s.turn) for s in stages] == [
        ('install', 'done', 5, 'from the cache', 2, 1), ('install', 'started', None, None, 4, 1),
        ('?', 'done', 7, 'anonymous', 5, 1)]


def test_prompts_are_clipped_to_the_display_limit() -> None:
    early = Transcript(display_limit=6)
    early.set_turn_prompt(1, 'a prompt set before its turn')
    early.feed({'type': 'turn_start', 'id': 1, 'turn': 1})
    late = Transcript(display_limit=6)
    late.feed({'type': 'turn_start', 'id': 1, 'turn': 1})
    late.set_turn_prompt(1, 'a prompt set after its turn')
    assert [e.prompt for e in early.entries] == ['a prom… (22 more characters)']
    assert [e.prompt for e in late.entries] == ['a prom… (21 more characters)']
