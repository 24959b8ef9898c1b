"""The session service's own rules, each answer word for word: what a launch needs and records, the cached reads of
AoD, and how stop, delete and follow-up meet AoD's refusals (recorded in the audit trail either way)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from nicegui import core

from aod_ui.errors import ActionError, NotAllowed, UpstreamError
from aod_ui.hub import HubRegistry
from aod_ui.services import Actor, LaunchRequest, SessionService, Upstreams
from aod_ui.simulator import SimulatorServer
from aod_ui.upstream import Upstream
from storage import SessionRecord, User, memory_store

from ..helpers import CODE_REVIEW, CODEX, DASHBOARD_TOKEN

ADA = Actor('ada', 'admin')
MAX = Actor('max', 'member')
VIC = Actor('vic', 'viewer')
NOT_FOUND = 'No such session: it may have been deleted, or you may not have access to it.'


@pytest.fixture
async def service(simulator: SimulatorServer) -> AsyncIterator[SessionService]:
    core.loop = asyncio.get_running_loop()
    upstream = Upstream(simulator.url, DASHBOARD_TOKEN, timeout=10)
    store = memory_store()
    for actor in (ADA, MAX, VIC):
        store.users.add(User(username=actor.username, role=actor.role))  # type: ignore[arg-type]
    hubs = HubRegistry(lambda _: upstream, spawn=lambda c, n: asyncio.get_running_loop().create_task(c))
    yield SessionService(Upstreams(upstream, store=store), store, hubs, list_ttl=30.0)
    await hubs.stop_all()
    await upstream.aclose()
    simulator.set_faults()


def seeded(simulator: SimulatorServer, service: SessionService, status: str, owner: str = 'max') -> str:
    session = simulator.seed_session(token=DASHBOARD_TOKEN, agent_id=CODEX, status=status)
    service.store.sessions.add(SessionRecord(session_id=session.id, agent_id=CODEX, agent_name='codex-refactor',
                                             prompt='seeded', owner=owner))
    return session.id


def audit_of(service: SessionService, session_id: str | None = None) -> list[tuple[str, str, str]]:
    return [(e.action, e.outcome, e.detail) for e in service.store.audit.query(session_id=session_id)][::-1]


async def test_a_launch_says_what_it_lacks(service: SessionService) -> None:
    with pytest.raises(NotAllowed) as viewer:
        await service.launch(VIC, LaunchRequest(agent_id=CODEX, prompt='hello'))
    assert str(viewer.value) == 'Your role may watch sessions but not start them. Ask an admin for the member role.'
    assert audit_of(service) == [('launch', 'denied', 'role may not start sessions')]
    with pytest.raises(ActionError) as blank:
        await service.launch(MAX, LaunchRequest(agent_id=CODEX, prompt=' \n '))
    assert str(blank.value) == 'Write a prompt for the agent first.'
    with pytest.raises(ActionError) as agentless:
        await service.launch(MAX, LaunchRequest(agent_id='', prompt='hello'))
    assert str(agentless.value) == 'Choose an agent first.'


async def test_a_launch_sends_and_records_every_choice(service: SessionService, simulator: SimulatorServer) -> None:
    await service.agents()
    session_id = await service.launch(MAX, LaunchRequest(
        agent_id=CODEX, prompt='  Tidy the imports  ', timeout=900, repository_url=' https://github.com/ex/widgets ',
        repository_mount_path=' /work/widgets ', visibility='private', labels=('chore', 'py'), origin='s-0'))
    repository = {'type': 'github_repository', 'url': 'https://github.com/ex/widgets', 'mount_path': '/work/widgets'}
    started = simulator.state.sessions[session_id]
    assert (started.resources, started.turns[0].prompt, started.turns[0].timeout) == \
        ([repository], 'Tidy the imports', 900)
    record = service.store.sessions.get(session_id)
    assert (record.agent_id, record.agent_name, record.prompt, record.owner, record.visibility, record.labels,
            record.origin, record.timeout, record.resources) == \
        (CODEX, 'codex-refactor', 'Tidy the imports', 'max', 'private', ['chore', 'py'], 's-0', 900, [repository])
    assert audit_of(service, session_id) == [('launch', 'ok', 'agent codex-refactor')]
    plain = await service.launch(MAX, LaunchRequest(agent_id=CODEX, prompt='again',
                                                    repository_url='https://github.com/ex/widgets'))
    assert service.store.sessions.get(plain).resources == [{'type': 'github_repository',
                                                             'url': 'https://github.com/ex/widgets'}]
    bare = await service.launch(MAX, LaunchRequest(agent_id=CODEX, prompt='bare'))
    assert simulator.state.sessions[bare].resources == [] and service.store.sessions.get(bare).origin is None


async def test_a_launch_aod_refuses_is_recorded_as_an_error(service: SessionService,
                                                             simulator: SimulatorServer) -> None:
    simulator.set_faults(status_burst={'route': 'create', 'status': 500, 'count': 1})
    with pytest.raises(UpstreamError) as failed:
        await service.launch(MAX, LaunchRequest(agent_id=CODEX, prompt='hello'))
    assert audit_of(service) == [('launch', 'error', failed.value.message)]
    assert service.store.sessions.all() == []


async def test_agents_are_named_and_read_once_a_minute(service: SessionService, simulator: SimulatorServer) -> None:
    assert service.agent_name(None) == '' and service.agent_name(CODE_REVIEW) == CODE_REVIEW[:8]
    before = simulator.stats()['requests'].get('agents', 0)
    names = [agent.name for agent in await service.agents()]
    assert names == sorted(names, key=str.lower) and 'code-review' in names
    await service.agents()
    assert simulator.stats()['requests'].get('agents', 0) == before + 1
    assert service.agent_name(CODE_REVIEW) == 'code-review'


async def test_the_session_list_is_read_at_most_once_per_ttl(service: SessionService,
                                                             simulator: SimulatorServer) -> None:
    def reads() -> int:
        return simulator.stats()['requests'].get('list', 0)
    before = reads()
    first = await service.aod_sessions()
    assert await service.aod_sessions() is first and reads() == before + 1
    await service.aod_sessions(fresh=True)
    assert reads() == before + 2
    service.invalidate()
    await service.aod_sessions()
    assert reads() == before + 3
    created = [info.created_at for info in first]
    assert created == sorted(created, reverse=True)  # newest first


async def test_a_stop_meets_a_stopped_or_vanished_session_plainly(service: SessionService,
                                                                  simulator: SimulatorServer) -> None:
    stopped = seeded(simulator, service, 'terminated')
    assert await service.stop(MAX, stopped) == 'terminated'
    assert audit_of(service, stopped) == [('stop', 'ok', 'already terminated')]
    running = seeded(simulator, service, 'running')
    assert await service.stop(MAX, running) == 'terminated'
    assert audit_of(service, running) == [('stop', 'ok', '')]
    vanished = seeded(simulator, service, 'completed')
    await service.upstream.delete(vanished)
    with pytest.raises(NotAllowed) as gone:
        await service.stop(MAX, vanished)
    assert str(gone.value) == NOT_FOUND
    assert audit_of(service, vanished) == [('stop', 'error', 'not found upstream')]
    failing = seeded(simulator, service, 'running')
    simulator.set_faults(status_burst={'route': 'terminate', 'status': 500, 'count': 1})
    with pytest.raises(UpstreamError) as failed:
        await service.stop(MAX, failing)
    assert audit_of(service, failing) == [('stop', 'error', failed.value.message)]


async def test_a_delete_meets_an_active_or_vanished_session_plainly(service: SessionService,
                                                                    simulator: SimulatorServer) -> None:
    running = seeded(simulator, service, 'running')
    with pytest.raises(ActionError) as active:
        await service.delete(MAX, running)
    assert str(active.value) == 'The session is still active: stop it first, then delete it.'
    assert audit_of(service, running)[0][:2] == ('delete', 'error')
    assert service.store.sessions.get(running) is not None
    vanished = seeded(simulator, service, 'completed')
    await service.upstream.delete(vanished)
    await service.delete(MAX, vanished)  # gone upstream already: forgotten here too
    assert service.store.sessions.get(vanished) is None
    assert audit_of(service, vanished) == [('delete', 'ok', '')]
    failing = seeded(simulator, service, 'completed')
    simulator.set_faults(status_burst={'route': 'delete', 'status': 500, 'count': 1})
    with pytest.raises(UpstreamError) as failed:
        await service.delete(MAX, failing)
    assert audit_of(service, failing) == [('delete', 'error', failed.value.message)]
    assert service.store.sessions.get(failing) is not None


async def test_stop_then_delete_waits_for_aod_to_let_go(service: SessionService, simulator: SimulatorServer) -> None:
    running = seeded(simulator, service, 'running')
    await service.stop_then_delete(MAX, running, wait=5)
    assert running not in {info.id for info in await service.upstream.list_sessions()}
    assert service.store.sessions.get(running) is None
    with pytest.raises(NotAllowed):
        await service.stop_then_delete(VIC, seeded(simulator, service, 'running'))


async def test_a_follow_up_is_recorded_with_its_turn(service: SessionService, simulator: SimulatorServer) -> None:
    finished = seeded(simulator, service, 'completed')
    with pytest.raises(ActionError) as blank:
        await service.follow_up(MAX, finished, '   ')
    assert str(blank.value) == 'Write the follow-up prompt first.'
    assert await service.follow_up(MAX, finished, '  and the docs  ', timeout=120) == 2
    assert simulator.state.sessions[finished].turns[1].timeout == 120
    [followup] = service.store.sessions.get(finished).followups
    assert (followup.prompt, followup.by, followup.turn) == ('and the docs', 'max', 2)
    assert audit_of(service, finished) == [('follow-up', 'ok', 'turn 2')]
    running = seeded(simulator, service, 'running')
    with pytest.raises(UpstreamError) as busy:
        await service.follow_up(MAX, running, 'more')
    assert busy.value.kind == 'conflict'
    assert audit_of(service, running) == [('follow-up', 'error', 'Session is already running')]
    vanished = seeded(simulator, service, 'completed')
    await service.upstream.delete(vanished)
    with pytest.raises(NotAllowed) as gone:
        await service.follow_up(MAX, vanished, 'more')
    assert str(gone.value) == NOT_FOUND


async def test_an_action_through_the_api_names_the_token_in_the_trail(service: SessionService,
                                                                      simulator: SimulatorServer) -> None:
    running = seeded(simulator, service, 'running')
    await service.stop(Actor('max', 'member', via='token ci (aod_ui_ab…)'), running)
    assert audit_of(service, running) == [('stop', 'ok', '[via token ci (aod_ui_ab…)]')]


async def test_a_refusal_names_who_may_act(service: SessionService, simulator: SimulatorServer) -> None:
    session_id = seeded(simulator, service, 'running', owner='ada')
    with pytest.raises(NotAllowed) as refused:
        await service.stop(MAX, session_id)
    assert str(refused.value) == 'Only the person who started this session, or an admin, may stop it.'
    assert audit_of(service, session_id) == [('stop', 'denied', 'not the owner')]


async def test_a_session_aod_no_longer_has_reads_as_not_found(service: SessionService,
                                                              simulator: SimulatorServer) -> None:
    vanished = seeded(simulator, service, 'completed')
    await service.upstream.delete(vanished)
    with pytest.raises(NotAllowed) as gone:
        await service.get(MAX, vanished)
    assert str(gone.value) == NOT_FOUND
    kept = seeded(simulator, service, 'completed')
    simulator.set_faults(status_burst={'route': 'agents', 'status': 500, 'count': 1})  # names can wait
    detail = await service.get(MAX, kept)
    assert (detail.row.id, detail.row.owner, detail.row.prompt, detail.may_act, len(detail.turns)) == \
        (kept, 'max', 'seeded', True, 1)
    info = await service.upstream.get_session(kept)
    assert (detail.runtime_family, detail.resources, detail.row.created_at, detail.row.updated_at,
            detail.row.exit_code, detail.row.agent_id) == ('openai', (), info.created_at, info.updated_at, 0, CODEX)
    private = seeded(simulator, service, 'completed', owner='ada')
    service.store.sessions.update(private, visibility='private')
    with pytest.raises(NotAllowed) as hidden:
        await service.get(MAX, private)
    assert str(hidden.value) == NOT_FOUND
    unrecorded = simulator.seed_session(token=DASHBOARD_TOKEN, agent_id=CODE_REVIEW, status='completed').id
    assert (await service.get(ADA, unrecorded)).row.agent_name == 'code-review'  # the agents were read for it


async def test_without_any_token_the_service_says_what_to_set(simulator: SimulatorServer) -> None:
    store = memory_store()
    hubs = HubRegistry(lambda _: None, spawn=lambda c, n: asyncio.get_running_loop().create_task(c))
    service = SessionService(Upstreams(None, store=store), store, hubs)
    with pytest.raises(UpstreamError) as shared:
        service.upstream  # noqa: B018
    assert str(shared.value) == 'No shared AoD token is configured.'
    with pytest.raises(UpstreamError) as none:
        await service.agents()
    assert (none.value.kind, str(none.value)) == ('auth', 'No AoD token is available: set AOD_API_TOKEN or a '
                                                  'personal token.')


async def test_two_launches_at_once_start_two_sessions(service: SessionService, simulator: SimulatorServer) -> None:
    first, second = await asyncio.gather(service.launch(MAX, LaunchRequest(agent_id=CODEX, prompt='one')),
                                         service.launch(ADA, LaunchRequest(agent_id=CODEX, prompt='two')))
    assert first != second
    assert (simulator.state.sessions[first].turns[0].prompt, simulator.state.sessions[second].turns[0].prompt) == \
        ('one', 'two')


async def test_the_list_shows_each_visible_session_with_what_the_dashboard_recorded(
        service: SessionService, simulator: SimulatorServer) -> None:
    simulator.set_faults(status_burst={'route': 'agents', 'status': 500, 'count': 1})  # names must wait: no matter
    mine = seeded(simulator, service, 'completed')
    service.store.sessions.set_pinned(mine, True)
    service.store.sessions.set_labels(mine, ['docs'])
    private = seeded(simulator, service, 'completed', owner='ada')
    service.store.sessions.update(private, visibility='private')
    unrecorded = simulator.seed_session(token=DASHBOARD_TOKEN, agent_id=CODE_REVIEW, status='failed').id
    rows = {row.id: row for row in await service.list(MAX)}
    assert private not in rows and unrecorded not in rows
    row = rows[mine]
    assert (row.owner, row.prompt, row.agent_name, row.visibility, row.pinned, row.labels, row.recorded,
            row.deleted_upstream, row.status, row.turn_count) == \
        ('max', 'seeded', 'codex-refactor', 'team', True, ('docs',), True, False, 'completed', 1)
    everything = {row.id: row for row in await service.list(ADA)}
    assert {mine, private, unrecorded} <= set(everything)
    stray = everything[unrecorded]
    assert (stray.owner, stray.prompt, stray.visibility, stray.recorded, stray.pinned, stray.labels) == \
        (None, '', 'private', False, False, ())
    assert stray.agent_name == 'code-review'  # the agents were read once the fault was over


async def test_stop_then_delete_retries_while_aod_still_counts_the_session_active(
        service: SessionService, simulator: SimulatorServer) -> None:
    running = seeded(simulator, service, 'running')
    simulator.set_faults(status_burst={'route': 'delete', 'status': 409, 'count': 2})
    await service.stop_then_delete(MAX, running, wait=10)
    assert service.store.sessions.get(running) is None
    assert [action for action, _, _ in audit_of(service, running)] == ['stop', 'delete', 'delete', 'delete']
    stubborn = seeded(simulator, service, 'running')
    simulator.set_faults(status_burst={'route': 'delete', 'status': 409, 'count': 50})
    with pytest.raises(ActionError) as refused:
        await service.stop_then_delete(MAX, stubborn, wait=0.6)
    assert str(refused.value) == 'The session is still active: stop it first, then delete it.'
    assert service.store.sessions.get(stubborn) is not None


async def test_a_page_opening_a_session_tells_its_hub_the_turn_aod_is_at(service: SessionService,
                                                                        simulator: SimulatorServer) -> None:
    finished = seeded(simulator, service, 'completed')
    hub = await service.live(await service.get(MAX, finished))
    assert hub.status == 'completed'
    await service.upstream.prompt(finished, 'from another dashboard')  # turn 2: AoD says pending
    hub = await service.live(await service.get(MAX, finished))
    assert hub.status in {'pending', 'running'}  # a later turn's status, not an earlier step of turn 1


async def test_who_may_watch_a_live_session_is_asked_again_each_time(service: SessionService,
                                                                    simulator: SimulatorServer) -> None:
    team = seeded(simulator, service, 'running', owner='ada')
    private = seeded(simulator, service, 'running', owner='ada')
    service.store.sessions.update(private, visibility='private')
    assert [service.may_watch(actor, team) for actor in (ADA, MAX, VIC)] == [True, True, True]
    assert [service.may_watch(actor, private) for actor in (ADA, MAX, VIC)] == [True, False, False]
    service.store.sessions.update(team, visibility='private')  # changed meanwhile: the next check says no
    assert service.may_watch(MAX, team) is False


async def test_a_refusal_is_recorded_under_the_acts_own_name_and_says_what_was_refused(
        service: SessionService, simulator: SimulatorServer) -> None:
    session_id = seeded(simulator, service, 'completed', owner='ada')
    refusals = {
        'follow-up': ('send a follow-up to', lambda: service.follow_up(MAX, session_id, 'more')),
        'visibility change': ('change the visibility of', lambda: service.set_visibility(MAX, session_id, 'private')),
        'labels': ('label', lambda: service.set_labels(MAX, session_id, ['mine'])),
        'pin': ('pin', lambda: service.set_pinned(MAX, session_id, True)),
        'unpin': ('unpin', lambda: service.set_pinned(MAX, session_id, False)),
        'delete': ('delete', lambda: service.delete(MAX, session_id)),
    }
    for action, (verb, act) in refusals.items():
        with pytest.raises(NotAllowed) as refused:
            await act()
        assert str(refused.value) == f'Only the person who started this session, or an admin, may {verb} it.'
        [entry] = service.store.audit.query(action=action, session_id=session_id)
        assert (entry.actor, entry.outcome, entry.detail) == ('max', 'denied', 'not the owner')
    await service.set_visibility(ADA, session_id, 'private')
    assert [e.outcome for e in service.store.audit.query(action='visibility change')] == ['ok', 'denied']


async def test_a_follow_up_records_the_turn_aod_gave_it(service: SessionService, simulator: SimulatorServer) -> None:
    finished = seeded(simulator, service, 'completed')
    await service.upstream.prompt(finished, 'from another dashboard\nscenario: success')  # turn 2, not recorded here
    for _ in range(500):
        if (await service.upstream.get_session(finished)).status == 'completed':
            break
        await asyncio.sleep(0.02)
    assert await service.follow_up(MAX, finished, 'ours') == 3
    [followup] = service.store.sessions.get(finished).followups
    assert (followup.prompt, followup.turn) == ('ours', 3)


async def test_a_stop_tells_an_open_page_the_session_is_terminated(service: SessionService,
                                                                  simulator: SimulatorServer) -> None:
    running = seeded(simulator, service, 'running')
    hub = await service.live(await service.get(MAX, running))
    assert hub.status == 'running'
    await service.stop(MAX, running)
    assert hub.status == 'terminated'
    elsewhere = seeded(simulator, service, 'running')
    hub = await service.live(await service.get(MAX, elsewhere))
    await service.upstream.terminate(elsewhere)  # stopped from another dashboard: this page still says running
    assert await service.stop(MAX, elsewhere) == 'terminated'
    assert hub.status == 'terminated'
