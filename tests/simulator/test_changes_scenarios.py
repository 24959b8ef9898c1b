"""The scripted agents change files and open pull requests, so the Changes view has something real to show."""

from __future__ import annotations

from collections.abc import Iterator

import aod
import pytest

from aod_ui.transcript import ChangeSummary, Transcript

from .support import BUG_FIX, CODEX, TOKEN, collect, make_server


@pytest.fixture(scope='module')
def client() -> Iterator[aod.Client]:
    """A server of this module's own: sessions started on the shared one would change what its seed gives the
    sessions of later tests."""
    server = make_server(paced=False)
    with aod.Client(base_url=server.url, token=TOKEN) as sdk:
        yield sdk
    server.stop_thread()


def changes_of_session(client: aod.Client, agent: str, prompt: str) -> Transcript:
    ack = client.sessions.create(agent_id=agent, prompt=prompt)
    transcript = Transcript()
    for event in collect(client, ack.id):
        transcript.feed({'type': event.type, 'id': event.id, **event.extra})
    transcript.flush()
    return transcript


def test_the_bug_fix_agent_edits_writes_and_opens_a_pull_request(client: aod.Client) -> None:
    transcript = changes_of_session(client, BUG_FIX, 'Fix the crash')
    changes = transcript.changes
    assert list(changes.files) == ['/workspace/src/csvkit/parse.py', '/workspace/tests/test_parse.py',
                                   '/workspace/CHANGELOG.md']
    assert [e.tool for f in changes.files.values() for e in f.edits] == ['Edit', 'Edit', 'Write']
    assert [link.label for link in changes.links.values()] == ['acme/csvkit:fix/parse-line-separator',
                                                               'acme/csvkit#128']
    summary = changes.summary()
    assert (summary.files, summary.added, summary.removed) == (3, 8, 1)


def test_the_plain_text_agent_prints_a_git_diff_and_a_pull_request(client: aod.Client) -> None:
    transcript = changes_of_session(client, CODEX, 'Rename fetch_json to get_json')
    changes = transcript.changes
    assert list(changes.files) == ['src/api/client.py', 'src/cli.py']
    assert changes.files['src/api/client.py'].edits[0].lines[0] == '@@ -10,5 +10,5 @@ import json'
    assert changes.summary() == ChangeSummary(2, 2, 2, tuple(changes.links.values()))
    assert [link.url for link in changes.links.values()] == ['https://github.com/acme/api/pull/57']
