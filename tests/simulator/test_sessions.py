"""Session endpoints: create, list, get, prompt, turns, terminate, delete, and their errors."""

from __future__ import annotations

import uuid

import aod
import httpx
import pytest

from aod_ui.simulator import SimulatorServer, environment_id

from .support import (
    ARCHIVED,
    CODE_REVIEW,
    CODEX,
    DOC_GEN,
    LIMIT_CODE_REVIEW,
    LIMIT_TOKEN,
    OTHER_CODE_REVIEW,
    collect,
    wait_for,
)

LONG = 'Watch the build\nscenario: long'


def test_create_answers_202_ack(client: aod.Client, http: httpx.Client) -> None:
    answer = http.post('/sessions', json={'agent_id': CODE_REVIEW, 'prompt': 'Review the branch'})
    assert answer.status_code == 202
    ack = answer.json()
    assert set(ack) == {'id', 'status', 'stream_url', 'environment_id', 'resources', 'current_turn'}
    assert ack['status'] == 'pending'
    assert ack['current_turn'] == 1
    assert ack['environment_id'] == environment_id('python-3.12')
    assert ack['stream_url'].endswith(f'/sessions/{ack["id"]}/stream')
    wait_for(client, ack['id'], 'completed')


def test_session_record_after_a_run(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=DOC_GEN, prompt='Document the client module', timeout=120)
    collect(client, ack.id)
    session = client.sessions.get(ack.id)
    assert session.status == 'completed'
    assert session.exit_code == 0
    assert session.turn_count == 1 and session.current_turn == 1
    assert session.updated_at > session.created_at
    assert session.agent_id == uuid.UUID(DOC_GEN)
    [turn] = client.sessions.turns(ack.id)
    assert turn.turn_number == 1 and turn.prompt == 'Document the client module'
    assert turn.status == 'completed' and turn.exit_code == 0
    assert turn.created_at <= turn.started_at <= turn.ended_at


def test_list_is_newest_first_and_only_mine(client: aod.Client, other_client: aod.Client) -> None:
    first = client.sessions.create(agent_id=CODE_REVIEW, prompt=LONG)
    second = client.sessions.create(agent_id=CODE_REVIEW, prompt=LONG)
    theirs = other_client.sessions.create(agent_id=OTHER_CODE_REVIEW, prompt=LONG)
    listed = client.sessions.list()
    ids = [session.id for session in listed]
    assert ids.index(second.id) < ids.index(first.id)
    assert theirs.id not in ids
    assert [s.created_at for s in listed] == sorted((s.created_at for s in listed), reverse=True)
    for ack in (first, second):
        client.sessions.terminate(ack.id)
    other_client.sessions.terminate(theirs.id)


def test_another_owners_session_is_404(client: aod.Client, other_client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt=LONG)
    calls = [lambda: other_client.sessions.get(ack.id), lambda: other_client.sessions.turns(ack.id),
             lambda: other_client.sessions.terminate(ack.id), lambda: other_client.sessions.delete(ack.id),
             lambda: other_client.sessions.prompt(ack.id, prompt='hi'), lambda: collect(other_client, ack.id)]
    for call in calls:
        with pytest.raises(aod.NotFoundError) as caught:
            call()
        assert caught.value.detail == 'Session not found'
    client.sessions.terminate(ack.id)


@pytest.mark.parametrize('session_id', [str(uuid.uuid4()), 'not-a-uuid'])
def test_unknown_or_malformed_session_is_404(client: aod.Client, session_id: str) -> None:
    with pytest.raises(aod.NotFoundError):
        client.sessions.get(session_id)
    with pytest.raises(aod.NotFoundError):
        collect(client, session_id)


def test_bad_json_is_400(client: aod.Client, http: httpx.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='quick')
    collect(client, ack.id)
    for path in ('/sessions', f'/sessions/{ack.id}/prompt'):
        answer = http.post(path, content=b'{not json', headers={'Content-Type': 'application/json'})
        assert answer.status_code == 400, path
        assert answer.json() == {'detail': 'Invalid JSON'}


@pytest.mark.parametrize(('body', 'loc', 'kind'), [
    ({'agent_id': CODE_REVIEW}, ['body', 'prompt'], 'missing'),
    ({'prompt': 'hi'}, ['body', 'agent_id'], 'missing'),
    ({'agent_id': CODE_REVIEW, 'prompt': 'hi', 'timeout': 5}, ['body', 'timeout'], 'greater_than_equal'),
    ({'agent_id': CODE_REVIEW, 'prompt': 'hi', 'timeout': 3601}, ['body', 'timeout'], 'less_than_equal'),
    ({'agent_id': CODE_REVIEW, 'prompt': 'hi', 'timeout': 'soon'}, ['body', 'timeout'], 'int_parsing'),
    ({'agent_id': CODE_REVIEW, 'prompt': 42}, ['body', 'prompt'], 'string_type'),
    ({'agent_id': CODE_REVIEW, 'prompt': 'hi', 'resources': [{'type': 'gitlab', 'url': 'x'}]},
     ['body', 'resources', 0, 'type'], 'literal_error'),
    ({'agent_id': CODE_REVIEW, 'prompt': 'hi', 'resources': [{'type': 'github_repository'}]},
     ['body', 'resources', 0, 'url'], 'missing'),
    ({'agent_id': CODE_REVIEW, 'prompt': 'hi',
      'resources': [{'type': 'github_repository', 'url': f'https://github.com/o/r{n}'} for n in range(11)]},
     ['body', 'resources'], 'too_long'),
    ({'agent_id': CODE_REVIEW, 'prompt': 'hi',
      'resources': [{'type': 'github_repository', 'url': f'https://github.com/o/r{n}', 'mount_path': '/src'}
                    for n in range(2)]},
     ['body', 'resources'], 'value_error'),
    ({'agent_id': CODE_REVIEW, 'prompt': 'hi', 'secret_env_vars': {'A': 1}}, ['body', 'secret_env_vars', 'A'],
     'string_type'),
])
def test_field_errors_are_422_with_a_list(http: httpx.Client, body: dict, loc: list, kind: str) -> None:
    answer = http.post('/sessions', json=body)
    assert answer.status_code == 422
    [error] = answer.json()['detail']
    assert error['loc'] == loc
    assert error['type'] == kind
    assert set(error) >= {'type', 'loc', 'msg', 'input'}


def test_sdk_raises_validation_error(client: aod.Client) -> None:
    with pytest.raises(aod.ValidationError) as caught:
        client.sessions.create(agent_id=CODE_REVIEW, prompt='hi', timeout=9)
    assert caught.value.detail[0]['loc'] == ['body', 'timeout']


@pytest.mark.parametrize('bad_agent', [str(uuid.uuid4()), 'not-a-uuid'])
def test_unknown_agent_is_404(client: aod.Client, bad_agent: str) -> None:
    with pytest.raises(aod.NotFoundError) as caught:
        client.sessions.create(agent_id=bad_agent, prompt='hi')
    assert caught.value.detail == 'Agent not found'


def test_archived_agent_or_environment_is_409(client: aod.Client) -> None:
    with pytest.raises(aod.ConflictError):
        client.sessions.create(agent_id=ARCHIVED, prompt='hi')
    with pytest.raises(aod.ConflictError):
        client.sessions.create(agent_id=CODE_REVIEW, prompt='hi', environment_id=environment_id('legacy-python-3.8'))
    with pytest.raises(aod.NotFoundError):
        client.sessions.create(agent_id=CODE_REVIEW, prompt='hi', environment_id=str(uuid.uuid4()))


def test_environment_override_resources_and_secrets(client: aod.Client, http: httpx.Client) -> None:
    body = {'agent_id': CODEX, 'prompt': 'Rename fetch_json', 'environment_id': environment_id('node-22'),
            'resources': [{'type': 'github_repository', 'url': 'https://github.com/acme/api', 'mount_path': '/api',
                           'authorization_token': 'ghp_secret'},
                          {'type': 'github_repository', 'url': 'https://github.com/acme/web'}],
            'secret_env_vars': {'API_KEY': 'sk-very-secret'}}
    answer = http.post('/sessions', json=body)
    assert answer.status_code == 202
    ack = answer.json()
    assert ack['environment_id'] == environment_id('node-22')
    assert ack['resources'] == [
        {'type': 'github_repository', 'url': 'https://github.com/acme/api', 'mount_path': '/api'},
        {'type': 'github_repository', 'url': 'https://github.com/acme/web', 'mount_path': None}]
    events = collect(client, ack['id'])
    stages = {e.extra['stage'] for e in events if e.type == 'stage'}
    assert 'git_credentials' in stages  # only provisioned when there are resources
    everything = answer.text + http.get(f'/sessions/{ack["id"]}').text + http.get('/sessions').text
    everything += ''.join(str(e.extra) for e in events)
    assert 'sk-very-secret' not in everything and 'ghp_secret' not in everything
    assert client.sessions.get(ack['id']).environment_id == uuid.UUID(environment_id('node-22'))


def test_concurrency_limit_is_429_with_limit_and_active(sim: SimulatorServer) -> None:
    limit = sim.config.max_active
    for _ in range(limit - 1):
        sim.seed_session(token=LIMIT_TOKEN, status='running')
    with aod.Client(base_url=sim.url, token=LIMIT_TOKEN) as limited:
        last = limited.sessions.create(agent_id=LIMIT_CODE_REVIEW, prompt=LONG)  # the 100th active one is allowed
        with pytest.raises(aod.RateLimitError) as caught:
            limited.sessions.create(agent_id=LIMIT_CODE_REVIEW, prompt='one too many')
        assert caught.value.limit == limit and caught.value.active == limit
        assert caught.value.detail == (f'Concurrent session limit reached ({limit}/{limit}). Terminate an active '
                                       'session before starting a new one.')
        limited.sessions.terminate(last.id)
        limited.sessions.terminate(limited.sessions.create(agent_id=LIMIT_CODE_REVIEW, prompt=LONG).id)


def test_prompt_rules(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt=LONG)
    wait_for(client, ack.id, 'running')
    with pytest.raises(aod.ConflictError) as caught:
        client.sessions.prompt(ack.id, prompt='more')
    assert caught.value.detail == 'Session is already running'
    with pytest.raises(aod.ValidationError):
        client.sessions.prompt(ack.id, prompt='more', timeout=4000)
    client.sessions.terminate(ack.id)
    with pytest.raises(aod.ConflictError) as caught:
        client.sessions.prompt(ack.id, prompt='more')
    assert caught.value.detail == 'Session has been terminated'

    failed = client.sessions.create(agent_id=CODE_REVIEW, prompt='scenario: fail-provision')
    collect(client, failed.id)
    with pytest.raises(aod.ConflictError) as caught:
        client.sessions.prompt(failed.id, prompt='again')
    assert caught.value.detail == 'Session has failed and cannot be resumed. Start a new session.'


def test_prompt_on_pending_session_is_409(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='quick')
    collect(client, ack.id)
    client.sessions.prompt(ack.id, prompt=LONG)
    with pytest.raises(aod.ConflictError):
        client.sessions.prompt(ack.id, prompt='and another')
    client.sessions.terminate(ack.id)


def test_terminate_twice_is_409(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt=LONG)
    terminated = client.sessions.terminate(ack.id)
    assert terminated.status == 'terminated' and terminated.id == ack.id
    with pytest.raises(aod.ConflictError) as caught:
        client.sessions.terminate(ack.id)
    assert caught.value.detail == 'Session is already terminated'


def test_delete_rules(client: aod.Client, http: httpx.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt=LONG)
    with pytest.raises(aod.ConflictError) as caught:
        client.sessions.delete(ack.id)
    assert caught.value.detail == 'Cannot delete an active session'
    client.sessions.terminate(ack.id)
    answer = http.delete(f'/sessions/{ack.id}/delete')
    assert answer.status_code == 200 and answer.json() == {'detail': 'Session deleted'}
    for call in (client.sessions.get, client.sessions.turns, client.sessions.delete):
        with pytest.raises(aod.NotFoundError):
            call(ack.id)
    assert ack.id not in [session.id for session in client.sessions.list()]


def test_delete_a_completed_session(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='quick review')
    collect(client, ack.id)
    client.sessions.delete(ack.id)
    with pytest.raises(aod.NotFoundError):
        client.sessions.get(ack.id)


async def test_async_client_round_trip(aclient: aod.AsyncClient) -> None:
    ack = await aclient.sessions.create(agent_id=CODE_REVIEW, prompt='Review, async')
    async with aclient.sessions.stream(ack.id) as events:
        kinds = [event.type async for event in events]
    assert kinds[0] == 'start' and kinds[-1] == 'exit'
    session = await aclient.sessions.get(ack.id)
    assert session.status == 'completed'
    assert [turn.status for turn in await aclient.sessions.turns(ack.id)] == ['completed']
    assert ack.id in [s.id for s in await aclient.sessions.list()]
    await aclient.sessions.delete(ack.id)
