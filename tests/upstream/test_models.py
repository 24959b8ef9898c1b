"""The lenient models read AoD's JSON in both payload shapes, default what is missing and drop what must not be kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aod_ui.upstream import Ack, AgentInfo, EnvironmentInfo, SessionInfo, TurnInfo, parse_time
from aod_ui.upstream._models import StreamEvent

MOMENT = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)


def test_times_are_read_from_iso_text_or_epoch_seconds_and_are_always_aware():
    assert parse_time('2026-05-04T03:02:01Z') == MOMENT
    assert parse_time('2026-05-04T03:02:01') == MOMENT  # naive means UTC
    assert parse_time('2026-05-04T05:02:01+02:00') == MOMENT
    assert parse_time('2026-05-04T05:02:01+02:00').utcoffset() == timedelta(hours=2)
    assert parse_time(MOMENT.timestamp()) == MOMENT and parse_time(int(MOMENT.timestamp())) == MOMENT
    assert parse_time(0) == datetime(1970, 1, 1, tzinfo=UTC)
    for unreadable in (None, '', 'yesterday', 10 ** 20, []):
        assert parse_time(unreadable) is None
    assert parse_time('2026-05-04T03:02:01').tzinfo is UTC


def test_a_session_in_either_shape():
    current = SessionInfo.from_json({
        'id': 7, 'status': 'failed', 'agent_id': 'a-1', 'environment_id': 'e-1', 'exit_code': 3,
        'created_at': '2026-05-04T03:02:01Z', 'updated_at': MOMENT.timestamp() + 60, 'turn_count': 2,
        'current_turn': 2, 'provider': 'anthropic', 'extra': 'ignored',
        'resources': [{'type': 'github_repository', 'url': 'u', 'mount_path': '/w', 'authorization_token': 'ghp_x'},
                      'not a resource']})
    assert current == SessionInfo(id='7', status='failed', agent_id='a-1', environment_id='e-1', exit_code=3,
                                  created_at=MOMENT, updated_at=MOMENT + timedelta(minutes=1),
                                  resources=({'type': 'github_repository', 'url': 'u', 'mount_path': '/w'},),
                                  turn_count=2, current_turn=2, runtime_family='anthropic')
    assert current.finished and not current.active
    older = SessionInfo.from_json({'id': 's', 'status': 'running', 'runtime': 'claude-code'})
    assert (older.runtime_family, older.active, older.finished) == ('claude-code', True, False)
    both = SessionInfo.from_json({'id': 's', 'provider': 'openai', 'runtime': 'codex'})
    assert both.runtime_family == 'openai'  # the current name wins


def test_a_sparse_or_odd_session_gets_defaults():
    sparse = SessionInfo.from_json({'id': 's', 'agent_id': '', 'environment_id': None, 'exit_code': True,
                                    'turn_count': None, 'current_turn': '2', 'resources': None})
    assert sparse == SessionInfo(id='s', status='pending')
    assert (sparse.agent_id, sparse.exit_code, sparse.turn_count, sparse.current_turn, sparse.runtime_family) == (
        None, None, 0, None, '')
    assert SessionInfo.from_json({'id': 's', 'status': 'completed', 'exit_code': 0}).exit_code == 0


def test_agents_and_environments():
    agent = AgentInfo.from_json({'id': 9, 'name': 'bug-fix', 'description': 'Fixes bugs', 'model': 'claude-opus',
                                 'environment_id': 'e-1', 'runtime': 'claude-code', 'archived_at': '2026-01-01',
                                 'metadata': {'team': 'core'}})
    assert agent == AgentInfo(id='9', name='bug-fix', description='Fixes bugs', model='claude-opus',
                              environment_id='e-1', runtime_family='claude-code', archived=True,
                              metadata={'team': 'core'})
    bare = AgentInfo.from_json({'id': 'a-2', 'name': None, 'metadata': None, 'provider': 'openai'})
    assert bare == AgentInfo(id='a-2', name='a-2', runtime_family='openai')
    assert (bare.description, bare.model, bare.environment_id, bare.archived, bare.metadata) == ('', '', None,
                                                                                                False, {})
    assert EnvironmentInfo.from_json({'id': 3, 'name': 'python-3.12'}) == EnvironmentInfo('3', 'python-3.12')
    assert EnvironmentInfo.from_json({'id': 'e', 'archived_at': 'x'}) == EnvironmentInfo('e', 'e', archived=True)


def test_turns_and_acknowledgements():
    turn = TurnInfo.from_json({'turn_number': 2, 'prompt': 'again', 'status': 'interrupted', 'exit_code': 1,
                               'created_at': '2026-05-04T03:02:01Z', 'started_at': '2026-05-04T03:02:01Z',
                               'ended_at': MOMENT.timestamp()})
    assert turn == TurnInfo(2, 'again', 'interrupted', 1, MOMENT, MOMENT, MOMENT)
    assert TurnInfo.from_json({}) == TurnInfo(0, '', '')
    assert TurnInfo.from_json({'turn_number': True, 'prompt': None, 'exit_code': 'x'}) == TurnInfo(0, '', '')
    assert Ack.from_json({'id': 5, 'status': 'pending', 'current_turn': 3}) == Ack('5', 'pending', 3)
    assert Ack.from_json({'id': 'x', 'current_turn': False}) == Ack('x', '', None)


def test_a_stream_event_knows_its_type():
    assert StreamEvent({'type': 'output'}, 3).type == 'output'
    assert StreamEvent({}, None).type == ''
