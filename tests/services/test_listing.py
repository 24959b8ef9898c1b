"""What the sessions list shows: scope, person, status, agent, search, days created and order (with independent
oracles), how a filter reads as an address, and when a session last did something."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, datetime
from urllib.parse import parse_qs

from aod_ui.services import ListFilter, SessionRow, last_activity

ROWS = [SessionRow(id=f's{n}', status=status, agent_id='a', agent_name=agent, prompt=f'Fix bug {n}\nsecret detail',
                   owner=owner, visibility=visibility, created_at=None, updated_at=None, turn_count=1,
                   exit_code=None, recorded=owner is not None)
        for n, (status, agent, owner, visibility) in enumerate(itertools.product(
            ('running', 'failed'), ('codex', 'claude'), ('olga', 'max', None), ('team', 'private')))]


def expected(rows: list[SessionRow], f: ListFilter) -> list[SessionRow]:
    kept = []
    for r in rows:
        mine = r.owner == f.username
        in_team = r.recorded and (r.visibility == 'team' or mine)
        if (f.scope == 'mine' and not mine) or (f.scope == 'team' and not in_team):
            continue
        if f.person and r.owner != f.person:
            continue
        if (f.status and r.status != f.status) or (f.agent and r.agent_name != f.agent):
            continue
        readable = r.prompt if r.visibility == 'team' or mine else r.prompt.splitlines()[0]
        if f.query and f.query.lower() not in (readable + ' ' + r.agent_name + ' ' + r.id).lower():
            continue
        kept.append(r)
    return kept


def test_every_combination_matches_the_oracle() -> None:
    for scope, person, status, agent, query in itertools.product(
            ('mine', 'team', 'all'), ('', 'max'), ('', 'failed'), ('', 'claude'), ('', 'SECRET', 'bug 3', 's1')):
        f = ListFilter('olga', scope=scope, person=person, status=status, agent=agent, query=query)
        assert f.apply(ROWS) == expected(ROWS, f), (scope, person, status, agent, query)


def test_the_count_beside_the_list_is_of_the_scope_and_person_chosen() -> None:
    f = ListFilter('olga', scope='all', person='max', status='failed')
    assert f.chosen(ROWS) == [r for r in ROWS if r.owner == 'max']


# -- days created, order, and the list's address ------------------------------------------------------------------

def _at(day: int, hour: int = 12) -> datetime:
    # noon local time: the filter reads days as the list shows them (the dashboard's local time)
    return datetime(2026, 11, day, hour).astimezone()


DATED = [replace(ROWS[n], id=f'd{n}', created_at=_at(1 + n % 5), updated_at=_at(1 + n % 5, 13 + n % 7),
                 last_activity_at=_at(1 + (7 * n) % 9)) for n in range(len(ROWS))]


def test_days_created_include_both_ends() -> None:
    for start, end in itertools.product((None, 2, 3), (None, 3, 4)):
        f = ListFilter('olga', scope='all', created_from=date(2026, 11, start) if start else None,
                       created_to=date(2026, 11, end) if end else None)
        want = [r for r in DATED
                if (start is None or r.created_at.day >= start) and (end is None or r.created_at.day <= end)]
        assert f.apply(DATED) == want, (start, end)


def test_a_day_filter_leaves_out_sessions_without_a_creation_time() -> None:
    assert ListFilter('olga', scope='all', created_to=date(2030, 1, 1)).apply(ROWS) == []
    assert ListFilter('olga', scope='all').apply(ROWS) == ROWS


def test_orders() -> None:
    newest = sorted(DATED, key=lambda r: r.created_at, reverse=True)
    assert ListFilter('olga', scope='all').apply(newest) == newest
    assert ListFilter('olga', scope='all', sort='oldest').apply(newest) == sorted(DATED, key=lambda r: r.created_at)
    by_activity = ListFilter('olga', scope='all', sort='activity').apply(newest)
    assert [r.last_activity_at for r in by_activity] == sorted((r.last_activity_at for r in DATED), reverse=True)
    finished = [replace(r, status='failed') for r in newest]  # (an active session's duration grows as it is read)
    longest = ListFilter('olga', scope='all', sort='longest').apply(finished)
    assert [r.duration_seconds for r in longest] == sorted((r.duration_seconds for r in finished), reverse=True)
    assert len({r.duration_seconds for r in finished}) > 1


SCOPES = {'mine': 'Mine', 'team': 'Team'}


def test_an_address_reads_back_as_the_same_filter() -> None:
    f = ListFilter('olga', scope='mine', person='max', status='failed', agent='codex', query='fix the bug & more',
                   created_from=date(2026, 11, 2), created_to=date(2026, 11, 30), sort='activity')
    query = f.to_query(page=3)
    assert parse_qs(query)['page'] == ['3']
    assert ListFilter.from_query('olga', {k: v[0] for k, v in parse_qs(query).items()}, SCOPES, 'team') == f


def test_the_scope_is_always_named_since_defaults_differ_by_role() -> None:
    assert ListFilter('olga', scope='team').to_query() == 'scope=team'
    assert ListFilter('ada', scope='all').to_query() == 'scope=all'


def test_an_address_asking_for_what_is_not_allowed_or_unreadable_falls_back() -> None:
    f = ListFilter.from_query('olga', {'scope': 'all', 'status': 'exploded', 'sort': 'random', 'from': '2026-13-45',
                                       'to': 'yesterday'}, SCOPES, 'team')
    assert f == ListFilter('olga', scope='team')


def test_last_activity_is_the_latest_of_what_aod_says_and_while_active_what_the_hub_read() -> None:
    created, updated = _at(1), _at(2)
    heard = _at(3).timestamp()
    assert last_activity('running', created, updated, heard) == _at(3)
    assert last_activity('pending', created, None, heard) == _at(3)
    assert last_activity('running', created, updated, None) == updated
    assert last_activity('completed', created, updated, heard) == updated  # a backfill reads it long after its end
    assert last_activity('running', created, None, _at(1, 6).timestamp()) == created
    assert last_activity('running', None, None, None) is None
