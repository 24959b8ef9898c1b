"""Accounts that belong to an OpenID Connect identity: bound to (issuer, subject) at first sign-in, re-judged at
each sign-in and on the provider's later word, and linked to an existing account only by an admin.

A provider identity never signs in to an account it is not bound to: a new identity whose name is taken is refused
(and the refusal audited) until an admin links the two. A refusal or a lost group ends that person's sign-ins on
every browser at once and lowers the stored role (a provider that merely stops answering for a sign-in ends it,
see `end_sign_ins`), and the "keep one enabled admin" rule holds on each of these paths: a last admin the provider
no longer vouches for keeps the role in storage (so the dashboard keeps an admin) but is signed out and refused
until someone else is admin.
"""

from __future__ import annotations

import time

from nicegui import Event

from storage import Store, User, run_io

from ..errors import ActionError
from ._identity import MAX_SUBJECT, OidcPolicy, candidate_username, verified_email
from ._policy import Actor

__all__ = ['ProviderAccounts', 'describe_identity']

_LAST_ADMIN = ('The identity provider no longer makes you an admin, and you are the dashboard\'s last admin. '
               'Another person must be made an admin first (People page or `main.py users role`).')


def describe_identity(issuer: str, subject: str) -> str:
    """Issuer and subject as the audit trail shows them."""
    return f'issuer {issuer[:200]}, subject {subject[:MAX_SUBJECT]}'


class ProviderAccounts:
    """The OpenID Connect half of `PeopleService` (which supplies the store, the audit, the admin rules and
    `changed`)."""

    store: Store
    changed: Event[str]

    # PeopleService's
    def _require_admin(self, actor: Actor) -> None:
        raise NotImplementedError

    def _existing(self, username: str) -> User:
        raise NotImplementedError

    async def _signed_in(self, user: User, how: str) -> Actor:
        raise NotImplementedError

    # -- signing in ---------------------------------------------------------------------------------------------

    async def login_oidc(self, claims: dict, policy: OidcPolicy, issuer: str) -> Actor:
        """Sign in the person the provider `issuer` vouched for with these (already verified) ID-token claims,
        creating their account on first sight."""
        from ._people import LoginRefused
        subject = claims.get('sub')
        if not issuer or not isinstance(subject, str) or not subject or len(subject) > MAX_SUBJECT:
            await self._audit('(oidc)', 'login', 'denied', f'no usable subject from issuer {issuer[:200]}')
            raise LoginRefused('The identity provider did not say who you are (no subject).')
        who = describe_identity(issuer, subject)
        user = self.store.users.by_identity(issuer, subject)
        verdict = policy.judge(claims)
        if verdict.role is None:
            if user is not None:
                await self._provider_withdrew(user, verdict.reason)
            await self._audit(user.username if user else candidate_username(claims)[:64] or '(oidc)', 'login',
                              'denied', f'{verdict.reason}; {who}')
            raise LoginRefused(verdict.message)
        if user is None:
            user = await self._first_sign_in(claims, verdict.role, issuer, subject)
        elif user.disabled:
            await self._audit(user.username, 'login', 'denied', f'account disabled; {who}')
            raise LoginRefused('Your account is disabled. Ask an admin.')
        else:
            user = await self._follow_provider(user, claims, verdict.role, who)
            if user.role != verdict.role and user.role == 'admin':  # kept as the last admin: not signed in as one
                await self._audit(user.username, 'login', 'denied', f'last admin, provider says {verdict.role}; {who}')
                await self.end_sign_ins(user.username, f'last admin, provider says {verdict.role}; {who}')
                raise LoginRefused(_LAST_ADMIN)
        return await self._signed_in(user, f'OpenID Connect, {who}')

    async def recheck_oidc(self, username: str, claims: dict, policy: OidcPolicy, issuer: str) -> Actor | None:
        """The provider's later word on a signed-in person (userinfo, after the schedule asked again): their role
        follows it, and a refusal ends their sign-ins. Returns the person as they now are, or None when out."""
        user = self.store.users.get(username)
        if user is None or user.disabled:
            return None
        subject = claims.get('sub')
        if user.identity != (issuer, subject):
            await self.end_sign_ins(username, 'the provider answered for another identity')
            return None
        who = describe_identity(issuer, str(subject))
        verdict = policy.judge(claims)
        if verdict.role is None:
            await self._provider_withdrew(user, verdict.reason)
            return None
        user = await self._follow_provider(user, claims, verdict.role, who)
        if user.role != verdict.role and user.role == 'admin':
            await self.end_sign_ins(username, f'last admin, provider says {verdict.role}; {who}')
            return None
        return Actor(username=user.username, role=user.role, display_name=user.display_name)

    async def end_sign_ins(self, username: str, reason: str) -> None:
        """End every sign-in of this person, on every browser, now; open pages hear of it through `changed`."""
        if await run_io(self.store.users.update, username, sign_ins_ended_at=time.time()) is None:
            return
        await self._audit('system', 'end sign-ins', 'ok', reason, target=username)
        self.changed.emit(username)

    # -- linking (admins) ---------------------------------------------------------------------------------------

    async def link(self, actor: Actor, username: str, issuer: str, subject: str) -> User:
        """Bind an existing account to a provider identity, so that identity signs in to it from now on. The
        account's password (if any) stops working and its open sign-ins end."""
        self._require_admin(actor)
        issuer, subject = issuer.strip(), subject.strip()
        if not issuer or not subject or len(subject) > MAX_SUBJECT:
            raise ActionError('Give the provider\'s issuer and the person\'s subject (at most 255 characters).')
        user = self._existing(username)
        who = describe_identity(issuer, subject)
        holder = self.store.users.by_identity(issuer, subject)
        if holder is not None and holder.username != user.username:
            await self._audit(actor.username, 'link identity', 'denied', f'already linked to {holder.username}; {who}',
                              target=user.username)
            raise ActionError(f'That identity is already linked to {holder.username}.')
        before = describe_identity(*user.identity) if user.identity else f'{user.auth_source} account'
        await run_io(self.store.users.update, user.username, oidc_issuer=issuer, oidc_subject=subject,
                     auth_source='oidc', password_hash='', sign_ins_ended_at=time.time())
        await self._audit(actor.username, 'link identity', 'ok', f'{who} (was {before})', target=user.username)
        self.changed.emit(user.username)
        return self._existing(user.username)

    # -- helpers ------------------------------------------------------------------------------------------------

    async def _first_sign_in(self, claims: dict, role: str, issuer: str, subject: str) -> User:
        from ._people import LoginRefused
        who = describe_identity(issuer, subject)
        name = candidate_username(claims)
        if not name:
            await self._audit('(oidc)', 'login', 'denied', f'no usable name in the claims; {who}')
            raise LoginRefused('The identity provider sent no name this dashboard can use for you. Ask an admin.')
        existing = self.store.users.get(name)
        if existing is not None and self._legacy_claim(existing, claims):
            bound = await run_io(self.store.users.update, name, oidc_issuer=issuer, oidc_subject=subject) or existing
            await self._audit('system', 'link identity', 'ok', f'{who} (an account from before identities were '
                              'kept, same verified address)', target=name)
            return await self._follow_provider(bound, claims, role, who)
        if existing is None:
            user = User(username=name, display_name=self._display_name(claims, name), email=verified_email(claims),
                        role=role, auth_source='oidc', oidc_issuer=issuer, oidc_subject=subject)  # type: ignore[arg-type]
            try:
                await run_io(self.store.users.add, user)
            except ValueError:  # the same name was taken a moment ago
                existing = self.store.users.get(name)
            else:
                await self._audit('system', 'add person', 'ok', f'role {role}, first sign-in; {who}', target=name)
                return user
            if existing is not None and existing.identity == (issuer, subject):
                return existing  # the same identity signing in twice at once
        kind = f'bound to {describe_identity(*existing.identity)}' if existing and existing.identity \
            else f'a {existing.auth_source if existing else "new"} account'
        await self._audit(name, 'login', 'denied', f'name clash: {name} is {kind}; {who}')
        raise LoginRefused(f'There is already an account called {name} on this dashboard, and it is not linked to '
                           'your identity provider account. Ask an admin to link them (People page, or '
                           f'`main.py users link {name} {subject}`).')

    @staticmethod
    def _legacy_claim(user: User, claims: dict) -> bool:
        """An account a provider created before identities were kept may be bound once, by the identity whose
        verified address is its name and stored address."""
        email = verified_email(claims)
        return user.auth_source == 'oidc' and user.identity is None and bool(email) and \
            email == user.username == user.email.strip().lower()

    @staticmethod
    def _display_name(claims: dict, fallback: str) -> str:
        name = claims.get('name') or claims.get('preferred_username') or fallback
        return str(name).strip()[:200] or fallback

    async def _follow_provider(self, user: User, claims: dict, role: str, who: str) -> User:
        """Take the provider's role (unless that would leave no enabled admin), name and verified address."""
        changes: dict = {'display_name': self._display_name(claims, user.username), 'email': verified_email(claims)}
        if user.role != role and not (user.role == 'admin' and not self._other_admins(user.username)):
            changes['role'] = role
            await self._audit('system', 'role change', 'ok', f'{user.role} → {role} from the identity provider; {who}',
                              target=user.username)
        elif user.role != role:
            await self._audit('system', 'role change', 'denied', f'{user.role} → {role} would leave no enabled '
                              f'admin; {who}', target=user.username)
        changes = {key: value for key, value in changes.items() if getattr(user, key) != value}
        if not changes:
            return user
        updated = await run_io(self.store.users.update, user.username, **changes) or user
        if 'role' in changes:
            self.changed.emit(user.username)
        return updated

    async def _provider_withdrew(self, user: User, reason: str) -> None:
        """The provider refuses this person now: end their sign-ins and lower the stored role to viewer (an admin
        keeps the role when they are the last enabled one)."""
        changes: dict = {'sign_ins_ended_at': time.time()}
        if user.role != 'viewer' and (user.role != 'admin' or self._other_admins(user.username)):
            changes['role'] = 'viewer'
        await run_io(self.store.users.update, user.username, **changes)
        lowered = f', role {user.role} → viewer' if 'role' in changes else ''
        await self._audit('system', 'end sign-ins', 'ok', f'refused by the identity provider: {reason}{lowered}',
                          target=user.username)
        self.changed.emit(user.username)

    def _other_admins(self, username: str) -> bool:
        return any(u.role == 'admin' and not u.disabled and u.username != username
                   for u in self.store.users.all())

    async def _audit(self, actor: str, action: str, outcome: str, detail: str, *,
                     target: str | None = None) -> None:
        raise NotImplementedError
