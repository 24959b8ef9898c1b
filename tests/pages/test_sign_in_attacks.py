"""Sign-in and sign-out against someone who plants cookies, crafts links and reads the health endpoint."""

from __future__ import annotations

import copy

import pytest
from nicegui.testing import User

from .support import eventually, sign_in, signed_in


def session_cookie(person: User):
    return next(cookie for cookie in person.http_client.cookies.jar if cookie.name == 'session')


async def test_a_planted_browser_id_is_worth_nothing_after_sign_in(people, user: User, create_user):
    attacker = user
    await attacker.open('/login')
    planted = session_cookie(attacker)  # the anonymous browser id the attacker got, planted in the victim's browser
    victim = create_user()
    victim.http_client.cookies.jar.set_cookie(copy.copy(planted))
    await signed_in(victim, 'ada')
    assert session_cookie(victim).value != planted.value  # the victim's browser holds a fresh id
    response = await attacker.http_client.get('/')
    assert response.status_code == 303 and response.headers['location'].startswith('/login')


async def test_a_ticket_from_another_browser_signs_nobody_in(people, user: User, create_user):
    await sign_in(user, 'ada')
    await eventually(lambda: any(p.startswith('/auth/finish') for p in user.back_history))
    ticket_path = next(p for p in user.back_history if p.startswith('/auth/finish'))
    thief = create_user()
    response = await thief.http_client.get(ticket_path)
    assert response.status_code == 303 and response.headers['location'].startswith('/login')
    assert (await thief.http_client.get('/')).status_code == 303


@pytest.mark.parametrize('target', ['/%5Cevil.example/phish', '//evil.example', '/%2F%2Fevil.example',
                                    'https://evil.example', '/%09/evil.example'])
async def test_sign_in_never_returns_to_another_site(people, user: User, target):
    await signed_in(user, 'olga')
    response = await user.http_client.get(f'/login?next={target}')
    assert response.status_code == 303 and response.headers['location'] == '/'
    response = await user.http_client.get(f'/auth/finish?ticket=x&next={target}')
    assert 'evil' not in response.headers['location']


async def test_another_site_cannot_sign_people_out_with_a_link(people, user: User):
    await signed_in(user, 'olga')
    response = await user.http_client.get('/logout')
    assert response.status_code in {404, 405}
    assert (await user.http_client.get('/')).status_code == 200  # still signed in
    user.find(marker='sign-out').click()  # the account menu signs out through the page's own websocket
    await eventually(lambda: user.back_history[-1].startswith('/login'))
    assert (await user.http_client.get('/')).status_code == 303


async def test_health_says_up_or_down_to_anyone_and_more_only_to_admins(people, user: User, create_user):
    response = await user.http_client.get('/healthz')
    assert response.status_code == 200 and response.json() == {'status': 'up'}
    await signed_in(user, 'olga')
    assert (await user.http_client.get('/healthz')).json() == {'status': 'up'}
    admin = create_user()
    await signed_in(admin, 'ada')
    body = (await admin.http_client.get('/healthz')).json()
    assert body['aod']['reachable'] is True and 'viewers' in body
