"""What a provider's claims may decide: strict addresses, `email_verified` exactly true, the name of a new account."""

from __future__ import annotations

import pytest

from aod_ui.services import OidcPolicy
from aod_ui.services._identity import candidate_username, normalize_domain, parse_email, verified_email


@pytest.mark.parametrize(('address', 'parsed'), [
    ('Alice@Example.COM', 'alice@example.com'),
    (' bob@example.com ', 'bob@example.com'),
    ('ann@bücher.example', 'ann@xn--bcher-kva.example'),
    ('ann@ＥＸＡＭＰＬＥ.com', 'ann@example.com'),  # full-width letters fold to ASCII under IDNA
    ('ann@example.com.', 'ann@example.com'),
    ('twoat@evil.org@example.com', None),
    ('no-at.example.com', None),
    ('@example.com', None),
    ('ann@', None),
    ('ann@localhost', None),
    ('ann@exa mple.com', None),
    ('an n@example.com', None),
    ('ann@-bad.example.com', None),
    ('ann@bad..example.com', None),
    ('.ann@example.com', None),
    ('a..nn@example.com', None),
    ('ann\n@example.com', None),
    (42, None),
    (None, None),
])
def test_addresses_are_parsed_strictly(address, parsed) -> None:
    assert parse_email(address) == parsed


def test_domains_compare_in_ascii_form() -> None:
    assert normalize_domain('BÜCHER.example') == normalize_domain('xn--bcher-kva.example') == 'xn--bcher-kva.example'
    assert normalize_domain('') is None


@pytest.mark.parametrize('verified', [None, False, 'true', 'false', 1, 'yes'])
def test_only_the_boolean_true_verifies_an_address(verified) -> None:
    claims = {'sub': 's', 'email': 'ann@example.com'}
    if verified is not None:
        claims['email_verified'] = verified
    assert verified_email(claims) == ''
    assert verified_email({**claims, 'email_verified': True}) == 'ann@example.com'


@pytest.mark.parametrize('verified', [None, False, 'true', 'false', 1])
def test_the_allow_list_refuses_anything_but_a_verified_address(verified) -> None:
    policy = OidcPolicy(allowed_domains=('example.com',), default_role='member')
    claims = {'sub': 's', 'email': 'ann@example.com'}
    if verified is not None:
        claims['email_verified'] = verified
    assert policy.judge(claims).role is None
    assert policy.judge({**claims, 'email_verified': True}).role == 'member'
    refused = policy.judge({'sub': 's', 'email': 'twoat@evil.org@example.com', 'email_verified': True})
    assert refused.role is None and 'not allowed' in refused.message
    assert policy.judge({'sub': 's', 'email': 'ann@EXAMPLE.com.', 'email_verified': True}).role == 'member'


def test_a_new_account_is_named_by_verified_address_then_plain_name_then_subject() -> None:
    assert candidate_username({'sub': 'S1', 'email': 'Ann@Example.com', 'email_verified': True,
                               'preferred_username': 'ann'}) == 'ann@example.com'
    assert candidate_username({'sub': 'S1', 'email': 'ann@example.com', 'preferred_username': 'Ann'}) == 'ann'
    # a name that looks like an address is never taken from an unverified claim
    assert candidate_username({'sub': 'S1', 'email': 'ann@example.com',
                               'preferred_username': 'ann@example.com'}) == 's1'
    assert candidate_username({'sub': 'has space', 'preferred_username': ''}) == ''


def test_roles_from_groups() -> None:
    policy = OidcPolicy(admin_values=('admins',), member_values=('devs',), default_role='none')
    assert policy.judge({'groups': ['devs', 'admins']}).role == 'admin'
    assert policy.judge({'groups': 'devs'}).role == 'member'
    refused = policy.judge({'groups': []})
    assert refused.role is None and refused.reason == 'no role for the groups claimed'
