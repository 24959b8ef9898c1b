"""What an OpenID Connect provider's claims may decide: a verified email address, parsed strictly, and a role.

An email decides something (the domain allow-list, the name of a new account, the address shown) only when the
provider says `email_verified` is the boolean true, and only when it parses as exactly one local part, one `@` and
a domain that IDNA-normalises. Who a person is never depends on the email: that is the issuer and subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ['MAX_SUBJECT', 'OidcPolicy', 'Verdict', 'candidate_username', 'normalize_domain', 'parse_email',
           'verified_email']

MAX_SUBJECT = 255
"""OpenID Connect Core 2: a `sub` is at most 255 ASCII characters; anything longer is refused."""

_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")
_LABEL = re.compile(r'(?!-)[a-z0-9-]{1,63}(?<!-)')
_NAME = re.compile(r'[^\s\x00-\x1f\x7f@]{1,64}')


def normalize_domain(domain: str) -> str | None:
    """The domain in its ASCII (IDNA) form, lowercase and without a trailing dot; None if it is not a host name."""
    text = domain.strip().rstrip('.').lower()
    if not text or any(c.isspace() for c in text):
        return None
    try:
        ascii_form = text.encode('idna').decode('ascii').lower()
    except (UnicodeError, ValueError):
        return None
    labels = ascii_form.split('.')
    if len(labels) < 2 or len(ascii_form) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    return ascii_form


def parse_email(address: object) -> str | None:
    """`local@domain` with exactly one `@`, a plain local part and an IDNA-normalised domain, lowercase; or None."""
    if not isinstance(address, str) or address.count('@') != 1:
        return None
    local, domain = address.strip().split('@')
    if not _LOCAL_PART.fullmatch(local) or local.startswith('.') or local.endswith('.') or '..' in local:
        return None
    ascii_domain = normalize_domain(domain)
    return None if ascii_domain is None else f'{local.lower()}@{ascii_domain}'


def verified_email(claims: dict) -> str:
    """The person's address when the provider vouches for it (`email_verified` is the boolean true); else ''."""
    if claims.get('email_verified') is not True:
        return ''
    return parse_email(claims.get('email')) or ''


def candidate_username(claims: dict) -> str:
    """The name a new provider account gets: its verified email, else `preferred_username` (when it has no `@`, so
    it cannot pass for an address), else the subject. '' when none of them is usable as a name."""
    email = verified_email(claims)
    if email:
        return email
    for value in (claims.get('preferred_username'), claims.get('sub')):
        if isinstance(value, str) and _NAME.fullmatch(value.strip()):
            return value.strip().lower()
    return ''


@dataclass(frozen=True)
class Verdict:
    """What the policy says about a set of claims: a role, or why the person is refused."""

    role: str | None
    reason: str = ''
    """For the audit trail, when refused."""
    message: str = ''
    """For the person, when refused."""


@dataclass(frozen=True)
class OidcPolicy:
    """Who may sign in through OpenID Connect, and with which role."""

    allowed_domains: tuple[str, ...] = ()
    role_claim: str = 'groups'
    admin_values: tuple[str, ...] = ()
    member_values: tuple[str, ...] = ()
    viewer_values: tuple[str, ...] = ()
    default_role: str = 'member'
    """The role of a person whose claim matches no list; `none` refuses them."""

    def role_for(self, claims: dict) -> str | None:
        raw = claims.get(self.role_claim) or []
        values = {str(v) for v in (raw if isinstance(raw, list | tuple) else [raw])}
        for role, wanted in (('admin', self.admin_values), ('member', self.member_values),
                             ('viewer', self.viewer_values)):
            if values & set(wanted):
                return role
        return None if self.default_role == 'none' else self.default_role

    def judge(self, claims: dict) -> Verdict:
        """The role these claims earn, or a refusal (domain not allowed, address not verified, no role)."""
        if self.allowed_domains:
            allowed = {normalize_domain(domain) for domain in self.allowed_domains} - {None}
            email = verified_email(claims)
            domain = email.rpartition('@')[2]
            if not email or domain not in allowed:
                shown = 'unverified or missing address' if not email else f'email domain not allowed: {domain}'
                return Verdict(None, shown, 'Your account is not allowed here: sign in with a verified address of '
                                            f'{", ".join(self.allowed_domains)}.')
        role = self.role_for(claims)
        if role is None:
            return Verdict(None, 'no role for the groups claimed',
                           'Your account has no role on this dashboard. Ask an admin for access.')
        return Verdict(role)
