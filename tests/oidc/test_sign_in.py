"""The dashboard's rules for people who sign in through OpenID Connect, fed the claims the real provider vouches
for (the code flow with PKCE, then its userinfo), not claims written by hand."""

from __future__ import annotations

import pytest

from aod_ui.services import LoginRefused, OidcPolicy, PeopleService
from storage import User, memory_store
from tests.oidc.fixture import OidcProvider

from .test_provider import authorize, oauth_client

POLICY = OidcPolicy(allowed_domains=('example.com',), admin_values=('aod-admins',), member_values=('developers',),
                    default_role='none')


async def vouched(oidc: OidcProvider, username: str) -> dict:
    """What the provider says about `username` after a real sign-in there."""
    metadata = oidc.metadata()
    async with oauth_client(oidc) as client:
        await authorize(oidc, client, metadata, username, oidc.accounts[username].password)
        return (await client.get(metadata['userinfo_endpoint'])).raise_for_status().json()


async def test_a_disabled_account_is_refused_and_keeps_its_role(oidc_provider: OidcProvider) -> None:
    claims = await vouched(oidc_provider, 'bob')
    assert POLICY.role_for(claims) == 'member'  # the provider would make bob a member
    people = PeopleService(memory_store())
    people.store.users.add(User(username='bob@example.com', display_name='Bob', email='bob@example.com',
                                role='viewer', disabled=True, auth_source='oidc', last_login_at=123.0))
    with pytest.raises(LoginRefused, match='disabled'):
        await people.login_oidc(claims, POLICY)
    bob = people.store.users.get('bob@example.com')
    assert (bob.role, bob.disabled, bob.last_login_at, bob.display_name) == ('viewer', True, 123.0, 'Bob')
    trail = people.store.audit.query()
    assert [(e.actor, e.action, e.outcome, e.detail) for e in trail] == [
        ('bob@example.com', 'login', 'denied', 'account disabled')]


async def test_an_enabled_account_signs_in_with_the_role_its_groups_give(oidc_provider: OidcProvider) -> None:
    claims = await vouched(oidc_provider, 'alice')
    people = PeopleService(memory_store())
    people.store.users.add(User(username='alice@example.com', role='viewer', auth_source='oidc'))
    actor = await people.login_oidc(claims, POLICY)
    assert (actor.username, actor.role) == ('alice@example.com', 'admin')
    outcomes = [(e.action, e.outcome) for e in people.store.audit.query()]
    assert ('login', 'ok') in outcomes and ('role change', 'ok') in outcomes
