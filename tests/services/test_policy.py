"""Every role × action × visibility × ownership, first as rules, then through the services with direct calls that
bypass every page."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from aod_ui.services import Actor, can_act, can_launch, can_view

ADMIN = Actor('ada', 'admin')
OWNER = Actor('olga', 'member')
OTHER = Actor('max', 'member')
VIEWER = Actor('vic', 'viewer')


@dataclass
class Record:
    owner: str
    visibility: str


def expected(actor: Actor, visibility: str | None, action: str) -> bool:
    """The rules, written out: admins do everything; a session nobody recorded is for admins only; team sessions
    are watched (and exported) by all; acting on one (stop, delete, follow-up, pin, labels, visibility) is for its
    owner (unless a viewer) and admins; viewers start nothing; only admins hand sessions over or run retention."""
    if action == 'launch':
        return actor.role in {'admin', 'member'}
    if action in {'ownership', 'retention'}:
        return actor.role == 'admin'
    if actor.role == 'admin':
        return True
    if visibility is None:
        return False
    owner = actor is OWNER
    if action in {'view', 'export'}:
        return visibility == 'team' or owner
    return owner and actor.role != 'viewer'


def may_manage_token(actor: Actor, username: str, self_service: bool) -> bool:
    """Per-person AoD tokens: admins set anyone's; a person their own only where self-service is on."""
    return actor.role == 'admin' or (self_service and actor.username == username)


CASES = list(itertools.product([ADMIN, OWNER, OTHER, VIEWER], ['team', 'private', None],
                               ['view', 'act', 'launch']))


@pytest.mark.parametrize(('actor', 'visibility', 'action'), CASES,
                         ids=[f'{a.username}-{v}-{x}' for a, v, x in CASES])
def test_rules(actor, visibility, action):
    record = None if visibility is None else Record(owner=OWNER.username, visibility=visibility)
    decide = {'view': can_view, 'act': can_act, 'launch': lambda a, _: can_launch(a)}[action]
    assert decide(actor, record) is expected(actor, visibility, action)


def test_an_owner_made_a_viewer_still_watches_but_acts_on_nothing():
    """A member who started sessions and was then made a viewer keeps them in view, and may no longer act."""
    for visibility in ('team', 'private'):
        own = Record(owner=VIEWER.username, visibility=visibility)
        assert can_view(VIEWER, own)
        assert not can_act(VIEWER, own)
