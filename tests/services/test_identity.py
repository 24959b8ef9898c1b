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


def test_a_look_alike_domain_stays_apart_from_the_one_it_imitates() -> None:
    """A dotless ı is its own letter to IDNA: `bıt.example` must not fold onto `bit.example`."""
    assert normalize_domain('bıt.example') == 'xn--bt-hpa.example'
    policy = OidcPolicy(allowed_domains=('bit.example',))
    assert policy.judge({'sub': 's', 'email': 'ann@bıt.example', 'email_verified': True}).role is None


def test_a_domain_is_at_most_253_characters() -> None:
    label = 'a' * 63
    longest = '.'.join([label, label, label, 'a' * 61])
    assert len(longest) == 253 and normalize_domain(longest) == longest
    assert normalize_domain(longest + 'a') is None


def test_only_trailing_dots_are_dropped_from_a_domain() -> None:
    assert normalize_domain('Example.orgX.') == 'example.orgx'
    assert normalize_domain('example.org..') == 'example.org'


def test_a_local_part_may_not_end_with_a_dot() -> None:
    assert parse_email('ann.@example.com') is None
    assert parse_email('a.nn@example.com') == 'a.nn@example.com'


def test_a_verified_claim_that_is_no_address_gives_none() -> None:
    assert verified_email({'sub': 's', 'email': 'not an address', 'email_verified': True}) == ''
    assert verified_email({'sub': 's', 'email_verified': True}) == ''


def test_a_refusal_says_why_to_the_audit_trail_and_what_to_do_to_the_person() -> None:
    policy = OidcPolicy(allowed_domains=('example.com', 'example.org'))
    message = 'Your account is not allowed here: sign in with a verified address of example.com, example.org.'
    elsewhere = policy.judge({'sub': 's', 'email': 'ann@evil.org', 'email_verified': True})
    assert (elsewhere.role, elsewhere.reason, elsewhere.message) == \
        (None, 'email domain not allowed: evil.org', message)
    unverified = policy.judge({'sub': 's', 'email': 'ann@example.com'})
    assert (unverified.role, unverified.reason, unverified.message) == \
        (None, 'unverified or missing address', message)
    nobody = OidcPolicy(default_role='none').judge({'sub': 's', 'groups': ['guests']})
    assert (nobody.role, nobody.reason, nobody.message) == \
        (None, 'no role for the groups claimed',
         'Your account has no role on this dashboard. Ask an admin for access.')


def test_each_group_list_gives_its_role() -> None:
    policy = OidcPolicy(admin_values=('admins',), member_values=('devs',), viewer_values=('readers',),
                        default_role='none')
    assert [policy.judge({'groups': [group]}).role for group in ('admins', 'devs', 'readers')] == \
        ['admin', 'member', 'viewer']
    assert OidcPolicy(role_claim='roles', viewer_values=('ro',)).judge({'roles': 'ro', 'groups': ['x']}).role == \
        'viewer'
