"""What the sessions list shows: scope, person, status, agent and search, with an independent oracle."""

from __future__ import annotations

import itertools

from aod_ui.services import ListFilter, SessionRow

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
