"""An account disabled on the dashboard stays out when its provider identity signs in, with the claims of the real
provider (the code flow with PKCE, the ID token checked against its keys), not claims written by hand."""

from __future__ import annotations

import pytest

from aod_ui.services import LoginRefused, OidcPolicy, PeopleService
from storage import User, memory_store
from tests.oidc.claims import id_token_claims
from tests.oidc.fixture import OidcProvider

POLICY = OidcPolicy(allowed_domains=('example.com',), admin_values=('aod-admins',), member_values=('developers',),
                    default_role='none')


async def test_a_disabled_account_is_refused_and_keeps_its_role(oidc_provider: OidcProvider) -> None:
    claims = await id_token_claims(oidc_provider, 'bob')
    assert POLICY.role_for(claims) == 'member'  # the provider would make bob a member
    people = PeopleService(memory_store())
    people.store.users.add(User(username='bob@example.com', display_name='Bob', email='bob@example.com',
                                role='viewer', disabled=True, auth_source='oidc', last_login_at=123.0,
                                oidc_issuer=claims['iss'], oidc_subject=claims['sub']))
    with pytest.raises(LoginRefused) as refusal:
        await people.login_oidc(claims, POLICY, claims['iss'])
    assert str(refusal.value) == 'Your account is disabled. Ask an admin.'
    bob = people.store.users.get('bob@example.com')
    assert (bob.role, bob.disabled, bob.last_login_at, bob.display_name) == ('viewer', True, 123.0, 'Bob')
    trail = [(e.actor, e.action, e.outcome) for e in people.store.audit.query()]
    assert trail == [('bob@example.com', 'login', 'denied')]
    assert people.store.audit.query()[0].detail.startswith('account disabled; ')
