"""The Tokens page: people make a token (shown once) and revoke their own; admins revoke anyone's."""

from __future__ import annotations

import pytest
from nicegui import app
from nicegui.testing import User

from aod_ui.services import TokenRefused

from .support import signed_in


def shown_secret(user: User) -> str:
    with user:
        return next(iter(user.find(marker='token-secret').elements)).value


async def test_a_token_is_shown_once_and_its_owner_revokes_it(people, user: User):
    await signed_in(user, 'olga')
    await user.open('/tokens')
    await user.should_see('None yet.')
    user.find(marker='token-name').type('nightly CI')
    user.find(marker='token-scope-launch').click()
    user.find(marker='token-create').click()
    await user.should_see('it is shown only this once')
    secret = shown_secret(user)
    assert secret.startswith('aodui_pat_') and len(secret) > 40
    system = app.state.aod_system
    stored = system.store.api_tokens.all()
    assert [t.scopes for t in stored] == [('read', 'launch')]
    assert secret not in repr(stored) and all(secret not in str(t.to_dict()) for t in stored)
    user.find(marker='token-done').click()
    await user.open('/tokens')  # shown once: a fresh page has only its first characters
    await user.should_see(marker='mine-token-nightly CI')
    await user.should_not_see(secret)
    assert system.api_tokens.caller(secret).actor.username == 'olga'
    user.find(marker='revoke-mine-nightly CI').click()
    await user.should_see('Token nightly CI revoked.')
    await user.should_see('revoked by olga')
    revoked = system.store.audit.query(action='revoke api token')
    assert revoked and revoked[0].actor == 'olga'


async def test_admins_revoke_anyones_and_members_see_only_their_own(people, user: User, create_user):
    await signed_in(user, 'max')
    await user.open('/tokens')
    user.find(marker='token-name').type('laptop')
    user.find(marker='token-create').click()
    await user.should_see('it is shown only this once')
    secret = shown_secret(user)
    await user.open('/tokens')
    await user.should_not_see("Everyone's tokens")
    admin = create_user()  # another browser
    await signed_in(admin, 'ada')
    await admin.open('/tokens')
    await admin.should_see("Everyone's tokens")
    await admin.should_see(marker='all-token-laptop')
    admin.find(marker='revoke-all-laptop').click()
    await admin.should_see('Token laptop revoked.')
    system = app.state.aod_system
    token = system.store.api_tokens.all()[0]
    assert token.revoked_by == 'ada' and token.owner == 'max'
    with pytest.raises(TokenRefused, match='revoked'):
        system.api_tokens.caller(secret)
