"""Visibility is in the query: every person × every visibility, against the rules written out independently."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from aod_ui.errors import NotAllowed
from aod_ui.hub import HubRegistry
from aod_ui.services import SearchService, SessionService, Upstreams
from storage import SessionRecord, memory_store

from ..helpers import CODEX
from ..services.test_policy import ADMIN, OTHER, OWNER, VIEWER, expected
from .test_index import archived, settle

VISIBILITIES = ['team', 'private', None]  # None: started outside the dashboard


@pytest.fixture
async def world(upstream, indexed):
    archive, index = indexed
    store = memory_store()
    ids: dict[str | None, str] = {}
    for visibility in VISIBILITIES:
        word = f'needle{visibility or "outside"}'
        session_id = await archived(upstream, archive, f'scenario: chatty\nevents: 20\nFind the needle {word}', CODEX)
        await archive.remember(session_id, {'prompts': {'1': f'Find the needle {word}'}})
        if visibility is not None:
            store.sessions.add(SessionRecord(session_id=session_id, agent_id=CODEX, agent_name='codex-refactor',
                                             prompt='p', owner=OWNER.username, visibility=visibility))
        ids[visibility] = session_id
    # AoD deleted the private one: it stays searchable from the archive, under the same visibility
    await upstream.delete(ids['private'])
    await archive.mark_deleted(ids['private'])
    await settle(index)
    hubs = HubRegistry(lambda _: upstream, spawn=lambda c, n: asyncio.get_running_loop().create_task(c),
                       archive=archive)
    yield SearchService(SessionService(Upstreams(upstream, store=store), store, hubs), index), ids
    await hubs.stop_all()


CASES = list(itertools.product([ADMIN, OWNER, OTHER, VIEWER], VISIBILITIES))


async def test_people_find_exactly_what_they_may_see(world):
    finder, ids = world
    for actor, visibility in CASES:
        may = expected(actor, visibility, 'view')
        own_word = f'needle{visibility or "outside"}'
        page = await finder.search(actor, own_word)
        found = {hit.session_id for hit in page.results.hits}
        assert found == ({ids[visibility]} if may else set()), (actor, visibility)
        assert (page.results.total > 0) is may, 'a count says nothing about a session the person may not see'
        shared = await finder.search(actor, 'needle', page_size=500)
        visible = {ids[v] for v in VISIBILITIES if expected(actor, v, 'view')}
        assert {hit.session_id for hit in shared.results.hits} == visible
        assert not any(own_word in hit.text + hit.before + hit.after for hit in shared.results.hits) or may
        in_one, lines = await finder.in_session(actor, ids[visibility], own_word)
        assert (in_one.total > 0) is may and (lines > 0) is may
        if may:  # the archived lines a match opens at
            assert (await finder.archived(actor, ids[visibility], 0)).lines
        else:
            with pytest.raises(NotAllowed):
                await finder.archived(actor, ids[visibility], 0)


async def test_the_lists_filters_narrow_the_search(world):
    finder, ids = world
    page = await finder.search(ADMIN, 'needle', within=lambda row: row.visibility == 'team', page_size=500)
    assert {hit.session_id for hit in page.results.hits} == {ids['team']}
    assert set(page.sessions) == {ids['team']}
