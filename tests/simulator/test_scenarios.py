"""Scripted agents and scenarios: what they write and how their sessions end."""

from __future__ import annotations

import json
import time

import aod
import httpx
import pytest
from aod.pretty.claude import ClaudeFormatter

from aod_ui.simulator import PROVISION_STAGES, SCENARIOS

from .support import BUG_FIX, CODE_REVIEW, CODEX, DOC_GEN, collect, make_server, row_ids, stdout_of


@pytest.mark.parametrize('agent', [CODE_REVIEW, DOC_GEN, BUG_FIX], ids=['code-review', 'doc-gen', 'bug-fix'])
def test_claude_agents_write_realistic_stream_json(client: aod.Client, agent: str) -> None:
    ack = client.sessions.create(agent_id=agent, prompt='Do the task')
    events = collect(client, ack.id)
    lines = [json.loads(line) for line in stdout_of(events).splitlines()]
    init, result = lines[0], lines[-1]
    assert init['type'] == 'system' and init['subtype'] == 'init'
    assert {'model', 'tools', 'mcp_servers', 'session_id'} <= set(init) and 'Bash' in init['tools']
    assert result['type'] == 'result' and result['subtype'] == 'success' and result['is_error'] is False
    assert {'total_cost_usd', 'duration_ms', 'num_turns', 'usage'} <= set(result)
    assert result['total_cost_usd'] > 0 and result['num_turns'] > 3

    blocks = [(line, block) for line in lines if line['type'] in ('assistant', 'user')
              for block in line['message']['content']]
    kinds = {block['type'] for _, block in blocks}
    assert {'thinking', 'text', 'tool_use', 'tool_result'} <= kinds
    uses = {block['id']: block for _, block in blocks if block['type'] == 'tool_use'}
    assert {'Bash', 'Read', 'Edit', 'Grep', 'TodoWrite', 'Glob'} & {b['name'] for b in uses.values()}
    for _, block in blocks:
        if block['type'] == 'tool_result':
            assert block['tool_use_id'] in uses and isinstance(block['is_error'], bool)
    [task] = [block for block in uses.values() if block['name'] == 'Task']
    children = [line for line in lines if line.get('parent_tool_use_id') == task['id']]
    assert len(children) >= 2
    assert any(line['type'] == 'system' and line['subtype'] == 'task_started' for line in lines)

    formatter = ClaudeFormatter()  # the SDK's own formatter reads it, line by line as chunks complete them
    formatted = [text for event in events for text in formatter.consume(event)]
    assert formatted[0].startswith('⚙️  Session init') and formatted[-1].startswith('✨ Done')
    assert any(e.type == 'output' and e.extra['stream'] == 'stderr' for e in events)


def test_stream_json_is_split_across_chunks(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='Review the branch')
    chunks = [e.extra['data'] for e in collect(client, ack.id) if e.type == 'output' and e.extra['stream'] == 'stdout']
    assert any(chunk.count('\n') >= 2 for chunk in chunks), 'no chunk holds several lines'
    assert any(not chunk.endswith('\n') for chunk in chunks), 'no line is cut between chunks'
    assert any('\n' not in chunk for chunk in chunks), 'no chunk is only part of a line'


def test_provisioning_stages(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=DOC_GEN, prompt='Document it')
    events = collect(client, ack.id)
    stages = [e for e in events if e.type == 'stage']
    names = list(dict.fromkeys(e.extra['stage'] for e in stages))
    # doc-gen: limited networking (network_policy), skills, no resources (no git_credentials)
    assert names == ['create_sprite', 'install_runtime', 'network_policy', 'env_file', 'provision_setup',
                     'runtime_config', 'skills', 'runtime_start']
    for event in stages:
        assert event.extra['state'] in ('started', 'done')
        assert ('duration_ms' in event.extra) == (event.extra['state'] == 'done')
    assert [e.extra['state'] for e in stages if e.extra['stage'] == 'runtime_start'] == ['started']
    first_output = next(index for index, e in enumerate(events) if e.type == 'output')
    assert events[first_output - 1].type == 'turn_start'
    assert all(e.type != 'stage' for e in events[first_output:])


def test_fail_exit(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=BUG_FIX, prompt='Fix it\nscenario: fail-exit')
    events = collect(client, ack.id)
    assert events[-1].type == 'exit' and events[-1].extra['code'] == 1
    result = json.loads(stdout_of(events).splitlines()[-1])
    assert result['type'] == 'result' and result['is_error'] is True
    session = client.sessions.get(ack.id)
    assert (session.status, session.exit_code) == ('failed', 1)
    assert [(t.status, t.exit_code) for t in client.sessions.turns(ack.id)] == [('failed', 1)]


@pytest.mark.parametrize(('prompt', 'stage'), [
    ('scenario: fail-provision', 'install_runtime'),
    ('Go\nscenario: fail-provision\nstage: create_sprite', 'create_sprite'),
])
def test_fail_provision(client: aod.Client, prompt: str, stage: str) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt=prompt)
    events = collect(client, ack.id)
    failed, turn_start, line, error = events[-4:]
    assert failed.type == 'stage' and failed.extra['stage'] == stage and failed.extra['state'] == 'failed'
    assert failed.extra['message'] and failed.extra['duration_ms'] > 0
    # as the real server: the turn is announced, one stderr line says why, then `error`
    assert turn_start.type == 'turn_start' and turn_start.extra['turn'] == 1 and turn_start.id == line.id
    assert line.type == 'output' and line.extra['stream'] == 'stderr'
    assert line.extra['data'].startswith('provision failed') and failed.extra['message'] in line.extra['data']
    assert error.type == 'error' and error.extra['message'] == 'Session failed'
    assert error.id == line.id
    assert [e.type for e in events].count('output') == 1
    assert 'runtime_start' not in {e.extra['stage'] for e in events if e.type == 'stage'}
    session = client.sessions.get(ack.id)
    assert (session.status, session.exit_code) == ('failed', None)
    assert client.sessions.turns(ack.id)[0].status == 'failed'


@pytest.mark.parametrize(('agent', 'resources', 'stages'), [
    # python-3.12: unrestricted networking (no network_policy); code-review has MCP servers, and still no mcp_config
    (CODE_REVIEW, False, ['create_sprite', 'install_runtime', 'env_file', 'provision_setup', 'runtime_config',
                          'runtime_start']),
    (CODE_REVIEW, True, ['create_sprite', 'install_runtime', 'env_file', 'git_credentials', 'provision_setup',
                         'runtime_config', 'runtime_start']),
    # minimal: no setup script, and provision_setup runs all the same
    (CODEX, False, ['create_sprite', 'install_runtime', 'env_file', 'provision_setup', 'runtime_config',
                    'runtime_start']),
])
def test_stage_names_are_the_real_servers(client: aod.Client, http: httpx.Client, agent: str, resources: bool,
                                          stages: list[str]) -> None:
    body: dict = {'agent_id': agent, 'prompt': 'Go'}
    if resources:
        body['resources'] = [{'type': 'github_repository', 'url': 'https://github.com/acme/api'}]
    session_id = http.post('/sessions', json=body).json()['id']
    events = collect(client, session_id)
    assert list(dict.fromkeys(e.extra['stage'] for e in events if e.type == 'stage')) == stages
    assert set(stages) <= set(PROVISION_STAGES) and 'mcp_config' not in PROVISION_STAGES
    first = client.sessions.prompt(session_id, prompt='And once more')
    assert first.current_turn == 2
    again = collect(client, session_id, since=row_ids(events)[-1])
    assert [(e.extra['stage'], e.extra['state']) for e in again if e.type == 'stage'] == [('runtime_start', 'started')]


def test_plain_text_agent(client: aod.Client) -> None:
    assert client.agents.get(CODEX).runtime == 'codex'
    ack = client.sessions.create(agent_id=CODEX, prompt='Rename fetch_json to get_json')
    events = collect(client, ack.id)
    assert events[0].extra['runtime'] == 'codex'
    text = stdout_of(events)
    assert 'OpenAI Codex' in text and 'Rename fetch_json to get_json' in text and 'tokens used' in text
    for line in text.splitlines():
        with pytest.raises(json.JSONDecodeError):
            json.loads(line)
    stderr = ''.join(e.extra['data'] for e in events if e.type == 'output' and e.extra['stream'] == 'stderr')
    assert 'Reading prompt from stdin' in stderr
    assert events[-1].type == 'exit' and events[-1].extra['code'] == 0


def test_plain_text_agent_fail_exit(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODEX, prompt='scenario: fail-exit')
    events = collect(client, ack.id)
    assert events[-1].type == 'exit' and events[-1].extra['code'] != 0


def test_chatty(client: aod.Client, unpaced_client: aod.Client) -> None:
    # unpaced: it counts 3,000 events; at AoD's 200 rows/s they would take 15 s to come
    ack = unpaced_client.sessions.create(agent_id=CODE_REVIEW,
                                         prompt='Load\nscenario: chatty\nrate: 20000\nevents: 3000')
    events = collect(unpaced_client, ack.id)
    outputs = [e for e in events if e.type == 'output']
    assert len(outputs) == 3000
    assert all(json.loads(e.extra['data']) for e in outputs)
    plain = collect(client, client.sessions.create(agent_id=CODEX, prompt='scenario: chatty\nevents: 50').id)
    assert len([e for e in plain if e.type == 'output']) == 50


@pytest.mark.parametrize('agent', [CODE_REVIEW, CODEX], ids=['claude', 'plain'])
def test_wait_holds_any_scenario_back_after_provisioning(unpaced_client: aod.Client, agent: str) -> None:
    # unpaced: it times when the agent writes, which AoD's reads every 0.5 s would blur by up to half a second
    client = unpaced_client
    ack = client.sessions.create(agent_id=agent, prompt='Fix the build.\nscenario: success\nwait: 1')
    seen: list[tuple[float, aod.StreamEvent]] = []
    with client.sessions.stream(ack.id) as events:
        for event in events:
            seen.append((time.monotonic(), event))
    provisioned = max(at for at, event in seen if event.type == 'stage')
    first_output = min(at for at, event in seen if event.type == 'output')
    assert first_output - provisioned >= 1.0
    assert seen[-1][1].type == 'exit' and seen[-1][1].extra['code'] == 0


def test_provision_holds_the_first_stage_while_the_session_stays_pending(unpaced_client: aod.Client) -> None:
    client = unpaced_client
    ack = client.sessions.create(agent_id=CODEX, prompt='Fix the build.\nscenario: success\nprovision: 1')
    seen: list[tuple[float, aod.StreamEvent]] = []
    with client.sessions.stream(ack.id) as events:
        for event in events:
            seen.append((time.monotonic(), event))
            if len(seen) == 2:  # `start`, then the first stage started: provisioning is held there
                assert event.type == 'stage' and event.extra['state'] == 'started'
                assert client.sessions.get(ack.id).status == 'pending'
    stages = [(at, event) for at, event in seen if event.type == 'stage']
    assert stages[1][0] - stages[0][0] >= 1.0  # the first stage took the held second
    assert seen[-1][1].type == 'exit' and seen[-1][1].extra['code'] == 0


def test_huge(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='scenario: huge')
    lines = stdout_of(collect(client, ack.id)).splitlines()
    assert len(lines) == 100_000 + 2  # init and result around the log lines
    assert json.loads(lines[50_000])['type'] == 'assistant'
    plain = client.sessions.create(agent_id=CODEX, prompt='scenario: huge\nlines: 2500')
    text = stdout_of(collect(client, plain.id))
    assert text.count('build log line') == 2500


def test_long_runs_until_terminated(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=DOC_GEN, prompt='scenario: long')
    seen = []
    with client.sessions.stream(ack.id) as events:
        for event in events:
            seen.append(event)
            if len(row_ids(seen)) > 40:
                break
    assert client.sessions.get(ack.id).status == 'running'
    client.sessions.terminate(ack.id)
    assert collect(client, ack.id)[-1].type == 'terminated'


def test_follow_up_chooses_its_own_scenario(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='Review')
    cursor = row_ids(collect(client, ack.id))[-1]
    client.sessions.prompt(ack.id, prompt='Now the rest\nscenario: fail-exit')
    events = collect(client, ack.id, since=cursor)
    assert events[-1].type == 'exit' and events[-1].extra['code'] == 1
    assert [t.status for t in client.sessions.turns(ack.id)] == ['completed', 'failed']
    assert client.sessions.get(ack.id).status == 'failed'


def test_unknown_scenario_plays_the_default_and_says_so(client: aod.Client) -> None:
    ack = client.sessions.create(agent_id=CODE_REVIEW, prompt='scenario: moonwalk')
    events = collect(client, ack.id)
    assert events[-1].type == 'exit' and events[-1].extra['code'] == 0
    stderr = ''.join(e.extra['data'] for e in events if e.type == 'output' and e.extra['stream'] == 'stderr')
    assert 'unknown scenario' in stderr


def test_scenarios_are_documented() -> None:
    assert set(SCENARIOS) == {'success', 'fail-exit', 'fail-provision', 'long', 'chatty', 'huge', 'stall'}
    assert all(text.strip() for text in SCENARIOS.values())


def test_same_seed_same_sessions() -> None:
    outputs = []
    for _ in range(2):
        server = make_server(time_scale=0, seed=42)
        try:
            with aod.Client(base_url=server.url, token='aod_simulator') as sdk:
                ack = sdk.sessions.create(agent_id=BUG_FIX, prompt='Fix the parser')
                outputs.append((ack.id, stdout_of(collect(sdk, ack.id))))
        finally:
            server.stop_thread()
    assert outputs[0] == outputs[1]
