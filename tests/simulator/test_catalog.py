"""Health, bearer tokens, agents and environments, through aod-sdk 0.1.0 over real HTTP."""

from __future__ import annotations

import uuid

import aod
import httpx
import pytest

from aod_ui.simulator import AGENTS, ENVIRONMENTS, SimulatorServer, agent_id, environment_id

from .support import ARCHIVED, CODE_REVIEW, CODEX, OTHER_CODE_REVIEW, OTHER_TOKEN, TOKEN


def test_health_needs_no_token(sim: SimulatorServer) -> None:
    with aod.Client(base_url=sim.url, token='not-a-real-token') as anonymous:
        assert anonymous.health()['status'] == 'ok'


@pytest.mark.parametrize('token', ['aod_unknown', ''])
def test_unknown_or_missing_token_is_401(sim: SimulatorServer, token: str) -> None:
    headers = {'Authorization': f'Bearer {token}'} if token else {}
    answer = httpx.get(f'{sim.url}/sessions', headers=headers)
    assert answer.status_code == 401
    assert isinstance(answer.json()['detail'], str)
    with aod.Client(base_url=sim.url, token='aod_unknown') as stranger, pytest.raises(aod.AuthError):
        stranger.agents.list()


def test_agents_list_hides_archived_and_is_newest_first(client: aod.Client) -> None:
    agents = client.agents.list()
    names = [agent.name for agent in agents]
    assert names == ['codex-refactor', 'bug-fix', 'doc-gen', 'code-review']
    assert [agent.created_at for agent in agents] == sorted((a.created_at for a in agents), reverse=True)
    assert 'legacy-triage' not in names
    assert {str(agent.id) for agent in agents} == {spec.id for spec in AGENTS if not spec.archived}


def test_agent_ids_are_uuid5_of_the_name() -> None:
    assert agent_id('code-review') == CODE_REVIEW
    assert uuid.UUID(CODE_REVIEW).version == 5
    assert agent_id('code-review') == agent_id('code-review') != agent_id('doc-gen')


def test_agent_get_includes_archived(client: aod.Client) -> None:
    archived = client.agents.get(ARCHIVED)
    assert archived.name == 'legacy-triage'
    assert archived.archived_at is not None
    review = client.agents.get(CODE_REVIEW)
    assert review.runtime == 'claude-code'
    assert [server.name for server in review.mcp_servers] == ['github']
    assert client.agents.get(CODEX).runtime == 'codex'


@pytest.mark.parametrize('bad_id', [str(uuid.uuid4()), 'not-a-uuid'])
def test_agent_get_unknown_or_malformed_is_404(client: aod.Client, bad_id: str) -> None:
    with pytest.raises(aod.NotFoundError) as caught:
        client.agents.get(bad_id)
    assert caught.value.detail == 'Agent not found'


def test_environments_list(client: aod.Client) -> None:
    environments = client.environments.list()
    assert [env.name for env in environments] == ['minimal', 'node-22', 'python-3.12']
    node = next(env for env in environments if env.name == 'node-22')
    assert str(node.id) == environment_id('node-22')
    assert node.networking.type == 'limited'
    assert 'registry.npmjs.org' in node.networking.allowed_hosts
    assert len(ENVIRONMENTS) == 4  # one archived, not listed


def test_environments_never_return_env_vars(http: httpx.Client) -> None:
    for environment in http.get('/environments').json()['data']:
        assert 'env_vars' not in environment


def test_unknown_route_is_json_404(sim: SimulatorServer) -> None:
    answer = httpx.get(f'{sim.url}/nowhere', headers={'Authorization': f'Bearer {TOKEN}'})
    assert answer.status_code == 404
    assert answer.json() == {'detail': 'Not Found'}


def test_delete_route_is_delete_only(http: httpx.Client) -> None:
    answer = http.post(f'/sessions/{uuid.uuid4()}/delete')
    assert answer.status_code == 405
    assert 'detail' in answer.json()


def test_agents_are_scoped_to_the_tokens_owner(client: aod.Client, other_client: aod.Client,
                                               http: httpx.Client) -> None:
    mine, theirs = client.agents.list(), other_client.agents.list()
    assert [a.name for a in mine] == [a.name for a in theirs]  # the same catalog, each owner with its own copies
    assert not {a.id for a in mine} & {a.id for a in theirs}
    assert {str(a.id) for a in theirs} == {agent_id(a.name, owner=OTHER_TOKEN) for a in theirs}
    assert str(other_client.agents.get(agent_id('legacy-triage', owner=OTHER_TOKEN)).id) == agent_id(
        'legacy-triage', owner=OTHER_TOKEN)  # archived ones too
    for call in (lambda: other_client.agents.get(CODE_REVIEW), lambda: client.agents.get(OTHER_CODE_REVIEW),
                 lambda: other_client.sessions.create(agent_id=CODE_REVIEW, prompt='not my agent')):
        with pytest.raises(aod.NotFoundError) as caught:
            call()
        assert caught.value.detail == 'Agent not found'
    ack = other_client.sessions.create(agent_id=OTHER_CODE_REVIEW, prompt='scenario: long')
    assert str(other_client.sessions.get(ack.id).agent_id) == OTHER_CODE_REVIEW
    other_client.sessions.terminate(ack.id)
