"""Reading the audit trail through the service: admins only, on every call; empty filters mean no filter."""

from __future__ import annotations

import json

import pytest

from aod_ui.errors import NotAllowed
from aod_ui.services import Actor, AuditService
from storage import memory_store

ADA = Actor('ada', 'admin')
READERS_REFUSED = [None, Actor('bob', 'member'), Actor('vic', 'viewer')]


@pytest.fixture
def audit() -> AuditService:
    store = memory_store()
    store.audit.append('ada', 'stop', session_id='s1', at=100.0)
    store.audit.append('bob', 'launch', session_id='s2', at=200.0)
    store.audit.append('bob', 'stop', session_id='s2', outcome='denied', detail='not the owner', at=300.0)
    return AuditService(store)


@pytest.mark.parametrize('reader', READERS_REFUSED)
def test_only_admins_read_the_trail(audit: AuditService, reader: Actor | None) -> None:
    for read in (lambda: audit.query(reader), lambda: audit.count(reader),
                 lambda: audit.export(reader, 'csv'), lambda: audit.export(reader, 'jsonl')):
        with pytest.raises(NotAllowed) as refused:
            read()
        assert str(refused.value) == 'Only admins may read the audit trail.'


def test_an_admin_filters_pages_and_counts(audit: AuditService) -> None:
    assert [(e.actor, e.action) for e in audit.query(ADA)] == [('bob', 'stop'), ('bob', 'launch'), ('ada', 'stop')]
    assert [e.action for e in audit.query(ADA, actor='bob')] == ['stop', 'launch']
    assert [e.at for e in audit.query(ADA, limit=1, offset=1)] == [200.0]
    assert audit.count(ADA) == 3 and audit.count(ADA, action='stop') == 2
    assert audit.count(ADA, outcome='denied', session_id='s2') == 1


def test_empty_filters_mean_no_filter(audit: AuditService) -> None:
    """What a form sends for a field left empty ('' or None) does not narrow anything."""
    blank = {'actor': '', 'action': None, 'session_id': '', 'outcome': None, 'text': '', 'since': None}
    assert len(audit.query(ADA, **blank)) == 3
    assert audit.count(ADA, **blank) == 3
    assert len(audit.export(ADA, 'jsonl', **blank).splitlines()) == 3


def test_exports_come_as_csv_or_json_lines(audit: AuditService) -> None:
    csv = audit.export(ADA, 'csv', actor='bob')
    header, *rows = csv.splitlines()
    assert header == 'id,time_utc,at,actor,action,outcome,session_id,target,detail'
    assert [row.split(',')[4] for row in rows] == ['launch', 'stop']  # oldest first
    lines = [json.loads(line) for line in audit.export(ADA, 'jsonl', actor='bob').splitlines()]
    assert [(line['action'], line['outcome']) for line in lines] == [('launch', 'ok'), ('stop', 'denied')]
