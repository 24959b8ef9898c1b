"""Where a sign-in may return to, and the one-time tickets that carry a password sign-in into a fresh cookie."""

from __future__ import annotations

import pytest

from aod_ui.auth import SignInTickets, safe_next


@pytest.mark.parametrize('target', [
    '//evil.example/phish', '/\\evil.example/phish', '/%5Cevil.example/phish', '/%5cevil.example', '\\\\evil.example',
    '/%2F/evil.example', '/%252F/evil.example', '/\t/evil.example', '/%09/evil.example', '/%0a/evil.example',
    'https://evil.example/', 'javascript:alert(1)', 'evil.example', '///evil.example', '/ \\evil.example', '',
    '/' + 'a' * 3000,
])
def test_targets_a_browser_could_read_as_another_site_become_the_home_page(target):
    assert safe_next(target) == '/'


@pytest.mark.parametrize('target', ['/', '/new', '/sessions/abc?x=1&y=2', '/?q=two%20words', '/people#top'])
def test_paths_on_this_site_are_kept(target):
    assert safe_next(target) == target


def test_a_ticket_works_once_for_its_own_browser_within_its_time():
    now = [100.0]
    tickets = SignInTickets(ttl=60, clock=lambda: now[0])
    ticket = tickets.issue('browser-a', 'ada')
    assert tickets.redeem(ticket, 'browser-b') is None  # another browser: refused, and the ticket is spent
    assert tickets.redeem(ticket, 'browser-a') is None
    ticket = tickets.issue('browser-a', 'ada')
    assert tickets.redeem(ticket, 'browser-a') == 'ada'
    assert tickets.redeem(ticket, 'browser-a') is None
    late = tickets.issue('browser-a', 'ada')
    now[0] += 61
    assert tickets.redeem(late, 'browser-a') is None
    assert tickets.redeem('made-up', 'browser-a') is None
