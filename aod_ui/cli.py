"""The command line: `python main.py` (or `aod-ui`) serves the dashboard; subcommands manage its data.

    python main.py [serve]
    python main.py users list
    python main.py users add NAME [--role admin|member|viewer] [--name "Full Name"] [--email E]
    python main.py users passwd NAME
    python main.py users role NAME ROLE
    python main.py users disable NAME | enable NAME | remove NAME
    python main.py users link NAME SUBJECT [--issuer URL]   (bind an account to an OpenID Connect identity)
    python main.py users token NAME          (the token is read from standard input)
    python main.py users untoken NAME
    python main.py tokens rotate             (the new key is read from standard input)
    python main.py retention --dry-run | --apply
    python main.py search reindex            (rebuild the search index from the archive, with progress)

Passwords are read from the terminal (twice), or from standard input when it is not a terminal; never from an
argument, where they would end up in the shell's history and the process list.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import sys
import time
from collections.abc import Callable

from .errors import AodUiError
from .settings import Settings

__all__ = ['main']

CLI_ACTOR = 'cli'


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='aod-ui', description='A team dashboard for Agent on Demand sessions.')
    sub = parser.add_subparsers(dest='command')
    sub.add_parser('serve', help='serve the dashboard (the default)')
    users = sub.add_parser('users', help='manage the people who may sign in with a password').add_subparsers(
        dest='action', required=True)
    users.add_parser('list', help='list everyone')
    add = users.add_parser('add', help='add a person with a password')
    add.add_argument('username')
    add.add_argument('--role', choices=['admin', 'member', 'viewer'], default='member')
    add.add_argument('--name', default='', help='display name')
    add.add_argument('--email', default='')
    users.add_parser('passwd', help='set a person\'s password').add_argument('username')
    role = users.add_parser('role', help='change a person\'s role')
    role.add_argument('username')
    role.add_argument('role', choices=['admin', 'member', 'viewer'])
    link = users.add_parser('link', help='bind an account to an identity of the OpenID Connect provider: that '
                            'identity signs in to it from now on (its password stops working)')
    link.add_argument('username')
    link.add_argument('subject', help='the person\'s subject (sub) at the provider, as a refused sign-in shows it')
    link.add_argument('--issuer', default='', help='the provider\'s issuer (default: from AOD_UI_OIDC_DISCOVERY_URL)')
    users.add_parser('token', help='set a person\'s own AoD token (per-user token mode), read from standard '
                     'input').add_argument('username')
    users.add_parser('untoken', help='remove a person\'s AoD token').add_argument('username')
    tokens = sub.add_parser('tokens', help='the stored per-person AoD tokens').add_subparsers(dest='action',
                                                                                              required=True)
    tokens.add_parser('rotate', help='re-encrypt every stored token under a new key, read from standard input '
                      '(then set AOD_UI_TOKEN_KEY to it)')
    search = sub.add_parser('search', help='the full-text index of the archive').add_subparsers(dest='action',
                                                                                             required=True)
    search.add_parser('reindex', help='rebuild the index from the archive, with progress (best while the '
                                      'dashboard is stopped; it rebuilds a damaged index by itself)')
    retention = sub.add_parser('retention', help='show (--dry-run) or apply (--apply) the retention policy now')
    mode = retention.add_mutually_exclusive_group(required=True)
    mode.add_argument('--dry-run', action='store_true', help='list what the policy would stop and delete, and why')
    mode.add_argument('--apply', action='store_true', help='stop and delete what the policy says (resumes a run '
                      'that was cut short)')
    for action, text in (('disable', 'stop a person from signing in'), ('enable', 'let a person sign in again'),
                         ('remove', 'remove a person')):
        users.add_parser(action, help=text).add_argument('username')
    return parser


def _read_password(ask: Callable[[str], str] = getpass.getpass) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip('\n')
    first = ask('Password: ')
    if ask('Again: ') != first:
        raise AodUiError('The two passwords differ.')
    return first


async def _users(settings: Settings, args: argparse.Namespace) -> int:
    from storage import open_store

    from .services import Actor, PeopleService
    store = open_store(settings.data_dir)
    try:
        people = PeopleService(store, recheck_admin=False)  # whoever runs the command line owns the data files
        admin = Actor(username=CLI_ACTOR, role='admin', display_name='command line')
        if args.action == 'list':
            for user in people.everyone():
                state = 'disabled' if user.disabled else 'enabled'
                bound = f'  [{user.oidc_subject} at {user.oidc_issuer}]' if user.identity else ''
                print(f'{user.username:24} {user.role:7} {user.auth_source:7} {state:9} {user.display_name}{bound}')
        elif args.action == 'add':
            await people.add_local(admin, args.username, _read_password(), args.role, display_name=args.name,
                                   email=args.email)
            print(f'added {args.username} ({args.role})')
        elif args.action == 'passwd':
            await people.set_password(admin, args.username, _read_password())
            print(f'password of {args.username} set')
        elif args.action == 'role':
            await people.set_role(admin, args.username, args.role)
            print(f'{args.username} is now {args.role}')
        elif args.action == 'link':
            issuer = args.issuer or _issuer(settings)
            await people.link(admin, args.username, issuer, args.subject)
            print(f'{args.username} now signs in as subject {args.subject} of {issuer}')
        elif args.action in {'disable', 'enable'}:
            await people.set_disabled(admin, args.username, args.action == 'disable')
            print(f'{args.username} {args.action}d')
        elif args.action == 'remove':
            await people.remove(admin, args.username)
            print(f'{args.username} removed')
        elif args.action in {'token', 'untoken'}:
            tokens = _token_service(settings, store)
            if args.action == 'token':
                info = await tokens.set(admin, args.username, _read_secret('AoD token: '))
                print(f'token {info.prefix} saved for {args.username}')
            else:
                await tokens.remove(admin, args.username)
                print(f'token of {args.username} removed')
            await tokens.upstreams.aclose()
    finally:
        store.close()
    return 0


def _issuer(settings: Settings) -> str:
    from .errors import ConfigError
    if not settings.oidc_issuer:
        raise ConfigError('Give --issuer: AOD_UI_OIDC_DISCOVERY_URL is not set to a …/.well-known/openid-configuration '
                          'address.')
    return settings.oidc_issuer


def _read_secret(prompt: str) -> str:
    return sys.stdin.readline().strip() if not sys.stdin.isatty() else getpass.getpass(prompt).strip()


def _token_service(settings: Settings, store):
    from .errors import ConfigError
    from .services import TokenService, TokenVault, Upstreams
    from .upstream import Upstream
    if settings.token_mode != 'per-user':
        raise ConfigError('Per-person tokens are off: set AOD_UI_TOKEN_MODE=per-user and AOD_UI_TOKEN_KEY.')
    if not settings.aod_url:
        raise ConfigError('Set AOD_API_URL: a token is checked against AoD before it is saved.')
    upstreams = Upstreams(None, vault=TokenVault(store, settings.token_key), store=store,
                          make=lambda token: Upstream(settings.aod_url, token, timeout=settings.request_timeout))
    return TokenService(upstreams, store)


def _rotate(settings: Settings) -> int:
    from storage import open_store

    from .errors import ConfigError
    from .services import TokenVault
    if not settings.token_key:
        raise ConfigError('Set AOD_UI_TOKEN_KEY to the current key first.')
    new_key = _read_secret('New key: ')
    store = open_store(settings.data_dir)
    try:
        count = TokenVault(store, settings.token_key).rotate(new_key)
    finally:
        store.close()
    print(f'{count} token(s) re-encrypted. Now set AOD_UI_TOKEN_KEY to the new key and restart the dashboard.')
    return 0


async def _retention(settings: Settings, apply: bool) -> int:
    from storage import open_store

    from .errors import ConfigError
    from .hub import HubRegistry
    from .services import RetentionPolicy, RetentionService, SessionService, TokenVault, Upstreams
    from .upstream import Upstream
    if settings.demo:
        raise ConfigError('Retention from the command line needs AOD_API_URL and AOD_API_TOKEN (the built-in '
                          'simulator only lives inside a running dashboard).')
    store = open_store(settings.data_dir)
    shared = Upstream(settings.aod_url, settings.aod_token, timeout=settings.request_timeout) \
        if settings.aod_token else None
    vault = TokenVault(store, settings.token_key) if settings.token_mode == 'per-user' else None
    upstreams = Upstreams(shared, vault=vault, store=store,
                          make=lambda token: Upstream(settings.aod_url, token, timeout=settings.request_timeout))
    from .archive import Archive
    archive = Archive(settings.data_dir / 'archive')
    archive.open()
    sessions = SessionService(upstreams, store, HubRegistry(upstreams.for_session, archive=archive))
    policy = RetentionPolicy(days=settings.retention_days, stuck_hours=settings.retention_stuck_hours,
                             agent_days=dict(settings.retention_agent_days), archive_days=settings.archive_days)
    service = RetentionService(store, upstreams, lambda: sessions._upstream_sessions(fresh=True), sessions._agent_name,
                               policy=policy, rate=settings.retention_rate, archive=archive)
    try:
        print(f'policy: {policy.describe()}')
        if not apply:
            with contextlib.suppress(AodUiError):
                await sessions.agents()  # agent names for per-agent rules
            items = await service.plan()
            for item in items:
                print(f'{item.action:12} {item.session_id}  {item.agent:16} {item.reason}')
            print(f'{len(items)} session(s) would be stopped or deleted; nothing was changed.')
        else:
            report = await service.run(CLI_ACTOR, on_progress=lambda r: None)
            print(report.summary())
            for session_id, reason in report.failed:
                print(f'failed {session_id}: {reason}')
            return 1 if report.failed else 0
    finally:
        await upstreams.aclose()
        if shared is not None:
            await shared.aclose()
        store.close()
    return 0


def _reindex(settings: Settings, out: Callable[[str], None] = print) -> int:
    from .search import SearchIndex
    index = SearchIndex(settings.data_dir / 'search.sqlite', settings.data_dir / 'archive')
    started = time.monotonic()

    def progress(done: int, count: int, lines: int) -> None:
        if done == count or done % 50 == 0:
            out(f'{done} of {count} sessions, {lines:,} lines indexed ({time.monotonic() - started:.1f} s)')
    lines = index.rebuild(progress)
    out(f'The search index holds {lines:,} lines ({index.path}).')
    return 0


def serve(settings: Settings) -> None:
    from nicegui import app, ui
    from nicegui.storage import Storage

    from .app import build, run_arguments
    if os.environ.get('WEB_CONCURRENCY', '1') not in {'', '1'}:
        os.environ['WEB_CONCURRENCY'] = '1'  # NiceGUI keeps its state in one process; workers would break it
    if not os.environ.get('NICEGUI_USER_SIMULATION'):
        # per-browser server-side storage (who is signed in) lives with the rest of the dashboard's data
        Storage.path = (settings.data_dir / 'browser-storage').resolve()
        app.storage = Storage()
    build(settings)
    ui.run(**run_arguments(settings))


def main(argv: list[str] | None = None) -> None:
    simulated = bool(os.environ.get('NICEGUI_USER_SIMULATION'))
    args = _parser().parse_args([] if simulated else (sys.argv[1:] if argv is None else argv))
    try:
        settings = Settings.load()
        if args.command in {None, 'serve'}:
            serve(settings)
        elif args.command == 'users':
            raise SystemExit(asyncio.run(_users(settings, args)))
        elif args.command == 'retention':
            raise SystemExit(asyncio.run(_retention(settings, apply=args.apply)))
        elif args.command == 'search':
            raise SystemExit(_reindex(settings))
        elif args.command == 'tokens':
            raise SystemExit(_rotate(settings))
    except AodUiError as error:
        if simulated:
            raise
        print(f'aod-ui: {error}', file=sys.stderr)
        raise SystemExit(2) from None
