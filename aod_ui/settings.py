"""The dashboard's configuration: one table of settings, read from the environment and an optional `.env` file.

Every setting has a name, a type, a default and a help text. `Settings.load()` reads them all and raises
`ConfigError` with a message naming the variable and what is wrong with it; `docs/configuration.md` lists every
one (a test keeps that list complete).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ['SETTINGS', 'Setting', 'Settings', 'read_env_file']


@dataclass(frozen=True)
class Setting:
    """One configuration variable: its environment name, how to read it, its default and what it is for."""

    env: str
    attr: str
    cast: Callable[[str], Any]
    default: Any
    help: str
    secret: bool = False


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in {'1', 'true', 'yes', 'on'}:
        return True
    if value in {'0', 'false', 'no', 'off', ''}:
        return False
    raise ValueError('expected true or false')


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise ValueError('expected a port number from 0 to 65535')
    return port


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError('expected a number above zero')
    return value


def _url(text: str) -> str:
    value = text.strip().rstrip('/')
    if value and not value.startswith(('http://', 'https://')):
        raise ValueError('expected an address starting with http:// or https://')
    return value


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.replace(';', ',').split(',') if w.strip())


def _lower_words(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _words(text))


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise ValueError('expected zero or more')
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError('must be zero or more')
    return value


def _agent_days(text: str) -> dict[str, float]:
    result = {}
    for item in _words(text):
        name, sep, days = item.partition('=')
        if not sep or not name.strip():
            raise ValueError(f'expected agent=days, not {item!r}')
        result[name.strip()] = _non_negative(days)
    return result


def _role_counts(text: str) -> dict[str, int]:
    result = {}
    for item in _words(text):
        role, sep, count = item.partition('=')
        if not sep or role.strip().lower() not in {'admin', 'member', 'viewer'}:
            raise ValueError(f'expected role=count with a role of admin, member or viewer, not {item!r}')
        result[role.strip().lower()] = _non_negative_int(count)
    return result


def _choice(*options: str) -> Callable[[str], str]:
    def cast(text: str) -> str:
        value = text.strip().lower()
        if value not in options:
            raise ValueError(f'expected one of: {", ".join(options)}')
        return value
    return cast


SETTINGS: tuple[Setting, ...] = (
    Setting('AOD_API_URL', 'aod_url', _url, '',
            'Address of the AoD server. Empty: demo mode, against the built-in simulator in the same process.'),
    Setting('AOD_API_TOKEN', 'aod_token', str, '',
            'The AoD service token (aod_...). Required when AOD_API_URL is set; never shown to anyone.', secret=True),
    Setting('AOD_UI_HOST', 'host', str, '127.0.0.1', 'Address the dashboard listens on.'),
    Setting('AOD_UI_PORT', 'port', _port, 8080, 'Port the dashboard listens on.'),
    Setting('AOD_UI_DATA_DIR', 'data_dir', Path, Path('data'),
            "Folder for the dashboard's own data (session records, people, audit trail, the archive of every "
            'session read from AoD in its archive/ folder, and the search index of that archive, search.sqlite).'),
    Setting('AOD_UI_STORAGE_SECRET', 'storage_secret', str, '',
            'Secret that signs the browser session cookie; at least 32 characters outside demo mode.', secret=True),
    Setting('AOD_UI_TITLE', 'title', str, 'AoD Dashboard', 'Name shown in the header and the browser tab.'),
    Setting('AOD_UI_REQUEST_TIMEOUT', 'request_timeout', _positive_float, 15.0,
            'Seconds to wait for an answer from AoD before telling the person it is slow.'),
    Setting('AOD_UI_REFRESH_SECONDS', 'refresh_seconds', _positive_float, 5.0,
            'How often the sessions list refreshes itself.'),
    Setting('AOD_UI_STREAM_HOLD', 'stream_hold', int, 5_000,
            'How much of a watched session the dashboard keeps in memory for its pages: about this many of the '
            'latest stream events, output lines and transcript lines. Pages say when earlier output was let go; '
            'downloads read the whole session from the archive.'),
    Setting('AOD_UI_DEMO_TIME_SCALE', 'demo_time_scale', _positive_float, 1.0,
            'Demo mode only: speed of the built-in simulator (1 is watchable, 0.1 is ten times faster).'),
    Setting('AOD_UI_LOG_LEVEL', 'log_level', _choice('debug', 'info', 'warning', 'error'), 'info',
            'How much the dashboard logs.'),
    Setting('AOD_UI_AUTH', 'auth', _choice('local', 'oidc', 'header', 'none'), 'local',
            'How people sign in: local (accounts kept here), oidc (OpenID Connect), header (a trusted SSO proxy), '
            'or none (no sign-in, everyone is one admin; only on a loopback address, for one person or benchmarks).'),
    Setting('AOD_UI_DEFAULT_VISIBILITY', 'default_visibility', _choice('team', 'private'), 'team',
            'Who may watch a new session by default: team (everyone signed in) or private (its owner and admins).'),
    Setting('AOD_UI_SESSION_HOURS', 'session_hours', _positive_float, 12.0,
            'Hours a sign-in lasts before the person must sign in again.'),
    Setting('AOD_UI_SECURE_COOKIES', 'secure_cookies', _bool, None,
            'Send the session cookie over HTTPS only. Default: on outside demo mode, off in demo mode.'),
    Setting('AOD_UI_PUBLIC_URL', 'public_url', _url, '',
            'The address people use to reach the dashboard (for sign-in redirects behind a proxy); '
            'default: taken from each request.'),
    Setting('AOD_UI_OIDC_DISCOVERY_URL', 'oidc_discovery_url', _url, '',
            "The identity provider's discovery document (…/.well-known/openid-configuration)."),
    Setting('AOD_UI_OIDC_CLIENT_ID', 'oidc_client_id', str, '', 'The client id registered with the provider.'),
    Setting('AOD_UI_OIDC_CLIENT_SECRET', 'oidc_client_secret', str, '', 'The client secret.', secret=True),
    Setting('AOD_UI_OIDC_SCOPES', 'oidc_scopes', str, 'openid email profile', 'Scopes to ask for.'),
    Setting('AOD_UI_OIDC_ALLOWED_DOMAINS', 'oidc_allowed_domains', _lower_words, (),
            'Comma-separated email domains allowed to sign in (empty: any); the address must be verified.'),
    Setting('AOD_UI_OIDC_ROLE_CLAIM', 'oidc_role_claim', str, 'groups', 'The ID-token claim that maps to roles.'),
    Setting('AOD_UI_OIDC_ADMIN_VALUES', 'oidc_admin_values', _words, (),
            'Comma-separated values of the role claim that make a person an admin.'),
    Setting('AOD_UI_OIDC_MEMBER_VALUES', 'oidc_member_values', _words, (),
            'Comma-separated values of the role claim that make a person a member.'),
    Setting('AOD_UI_OIDC_VIEWER_VALUES', 'oidc_viewer_values', _words, (),
            'Comma-separated values of the role claim that make a person a viewer.'),
    Setting('AOD_UI_OIDC_DEFAULT_ROLE', 'oidc_default_role', _choice('member', 'viewer', 'none'), 'member',
            'Role of a person whose claim matches none of the lists; none refuses them.'),
    Setting('AOD_UI_OIDC_RECHECK_SECONDS', 'oidc_recheck_seconds', _positive_float, 300.0,
            'How often the identity provider is asked again (userinfo, renewing with the refresh token) about the '
            'people signed in through it: their role follows its answer, and their sign-ins end when it no longer '
            'answers for them.'),
    Setting('AOD_UI_HEADER_NAME', 'header_name', str, 'X-Forwarded-Email',
            'With AOD_UI_AUTH=header: the request header that names the person.'),
    Setting('AOD_UI_TRUSTED_PROXIES', 'trusted_proxies', _words, (),
            'Comma-separated addresses or networks (CIDR) of the reverse proxies in front of the dashboard. Only a '
            'request that comes straight from one of them may set X-Forwarded-For and X-Forwarded-Proto (and, with '
            'AOD_UI_AUTH=header, name the person); from anywhere else these headers are ignored. Empty: none.'),
    Setting('AOD_UI_TOKEN_MODE', 'token_mode', _choice('shared', 'per-user'), 'shared',
            'shared: every call to AoD uses AOD_API_TOKEN. per-user: each person\'s launches, follow-ups, stops, '
            'deletes and streams use that person\'s own AoD token, kept encrypted here.'),
    Setting('AOD_UI_TOKEN_FALLBACK', 'token_fallback', _choice('refuse', 'shared'), 'refuse',
            'per-user mode: what a person without a token gets: refuse (told to ask an admin) or the shared token.'),
    Setting('AOD_UI_TOKEN_KEY', 'token_key', str, '',
            'per-user mode: the Fernet key that encrypts stored tokens (required). Generate one with: python -c '
            '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"', secret=True),
    Setting('AOD_UI_SELF_SERVICE_TOKENS', 'self_service_tokens', _bool, False,
            'per-user mode: people may set their own token (otherwise only admins may).'),
    Setting('AOD_UI_RETENTION_DAYS', 'retention_days', _non_negative, 0.0,
            'Delete finished sessions (completed, failed, terminated) this many days after they ended; 0 keeps them.'),
    Setting('AOD_UI_RETENTION_STUCK_HOURS', 'retention_stuck_hours', _non_negative, 0.0,
            'Stop, then delete, sessions still pending or running this many hours after they started; 0: never.'),
    Setting('AOD_UI_RETENTION_AGENT_DAYS', 'retention_agent_days', _agent_days, {},
            'Per-agent retention in days, by agent name or id: for example code-review=30,doc-gen=7.'),
    Setting('AOD_UI_RETENTION_INTERVAL_MINUTES', 'retention_interval_minutes', _positive_float, 60.0,
            'How often the retention policy runs by itself (when any rule is on).'),
    Setting('AOD_UI_RETENTION_RATE', 'retention_rate', _positive_float, 5.0,
            'At most this many calls per second to AoD during a retention run.'),
    Setting('AOD_UI_ARCHIVE_DAYS', 'archive_days', _non_negative, 0.0,
            'The dashboard keeps its archived copy of a session AoD deleted this many days after it noticed the '
            'deletion (the retention run removes it); 0 keeps the copies.'),
    Setting('AOD_UI_ARCHIVE_FSYNC_SECONDS', 'archive_fsync_seconds', _non_negative, 1.0,
            'Archived events are written to disk as they come and made durable (fsync) at least this often, and '
            'whenever a session ends; 0 makes every write durable at once. A power cut loses at most this long of '
            'events, which the dashboard reads again from AoD.'),
    Setting('AOD_UI_SEARCH', 'search', _bool, True,
            'Index every archived session for search (in search.sqlite beside the archive): the list searches the '
            'transcripts, and find in a session reaches output the page no longer holds. false: the list searches '
            'prompts only, and find in a session what the page holds.'),
    Setting('AOD_UI_BACKFILL_RATE', 'backfill_rate', _positive_float, 2.0,
            'Reading finished sessions the archive lacks: at most this many streams started (and deletion checks) '
            'per second.'),
    Setting('AOD_UI_BACKFILL_STREAMS', 'backfill_streams', _non_negative_int, 2,
            'Reading finished sessions the archive lacks: at most this many at a time, newest first; 0 reads none '
            '(sessions are still archived when someone opens them, and active sessions always are).'),
    Setting('AOD_UI_STUCK_PENDING_MINUTES', 'stuck_pending_minutes', _positive_float, 15.0,
            'The operations page flags sessions pending for longer than this.'),
    Setting('AOD_UI_SILENT_RUNNING_MINUTES', 'silent_running_minutes', _positive_float, 30.0,
            'The operations page flags running sessions without activity for longer than this.'),
    Setting('AOD_UI_QUIET_SECONDS', 'quiet_seconds', _positive_float, 120.0,
            'The session page says "No output for N min" once a running session\'s stream has brought nothing for '
            'this long.'),
    Setting('AOD_UI_AOD_SESSION_LIMIT', 'aod_session_limit', int, 100,
            'AoD\'s concurrent session limit per token, until a 429 from AoD tells the real one.'),
    Setting('AOD_UI_ACTIVE_SESSION_LIMITS', 'active_session_limits', _role_counts, {},
            'Fair share: how many sessions each person of a role may have active (pending or running) at once, for '
            'example member=3,admin=10; a role not named, or 0, has no limit. An admin may set another limit for '
            'one person on People.'),
    Setting('AOD_UI_MONTHLY_BUDGET_USD', 'monthly_budget_usd', _non_negative, 0.0,
            "Fair share: each person's monthly budget in US dollars, counted from the costs the agents reported in "
            'the sessions they launched this calendar month (UTC). New session warns at 80 %; at 100 % launches '
            'are refused unless an admin allows more. 0: no budget. People may set another per person.'),
    Setting('AOD_UI_API_RATE', 'api_rate', _positive_float, 120.0,
            'HTTP API: requests a minute each personal access token may make (in bursts of up to as many); more are '
            'answered 429 with Retry-After. Following a session\'s events is one request however long it lasts.'),
    Setting('AOD_UI_API_TOKEN_MAX_DAYS', 'api_token_max_days', _positive_float, 365.0,
            'HTTP API: the longest a personal access token may last, in days (people choose up to this).'),
    Setting('AOD_UI_HEADER_DEFAULT_ROLE', 'header_default_role', _choice('admin', 'member', 'viewer'), 'member',
            'With AOD_UI_AUTH=header: the role of a person seen for the first time.'),
)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """The dashboard's configuration, validated."""

    aod_url: str = ''
    aod_token: str = field(default='', repr=False)
    host: str = '127.0.0.1'
    port: int = 8080
    data_dir: Path = Path('data')
    storage_secret: str = field(default='', repr=False)
    title: str = 'AoD Dashboard'
    request_timeout: float = 15.0
    refresh_seconds: float = 5.0
    stream_hold: int = 5_000
    demo_time_scale: float = 1.0
    log_level: str = 'info'
    auth: str = 'local'
    default_visibility: str = 'team'
    session_hours: float = 12.0
    secure_cookies: bool | None = None
    public_url: str = ''
    oidc_discovery_url: str = ''
    oidc_client_id: str = ''
    oidc_client_secret: str = field(default='', repr=False)
    oidc_scopes: str = 'openid email profile'
    oidc_allowed_domains: tuple[str, ...] = ()
    oidc_role_claim: str = 'groups'
    oidc_admin_values: tuple[str, ...] = ()
    oidc_member_values: tuple[str, ...] = ()
    oidc_viewer_values: tuple[str, ...] = ()
    oidc_default_role: str = 'member'
    oidc_recheck_seconds: float = 300.0
    header_name: str = 'X-Forwarded-Email'
    trusted_proxies: tuple[str, ...] = ()
    header_default_role: str = 'member'
    token_mode: str = 'shared'
    retention_days: float = 0.0
    retention_stuck_hours: float = 0.0
    retention_agent_days: dict[str, float] = field(default_factory=dict)
    retention_interval_minutes: float = 60.0
    retention_rate: float = 5.0
    archive_days: float = 0.0
    archive_fsync_seconds: float = 1.0
    search: bool = True
    backfill_rate: float = 2.0
    backfill_streams: int = 2
    stuck_pending_minutes: float = 15.0
    silent_running_minutes: float = 30.0
    quiet_seconds: float = 120.0
    aod_session_limit: int = 100
    active_session_limits: dict[str, int] = field(default_factory=dict)
    monthly_budget_usd: float = 0.0
    token_fallback: str = 'refuse'
    token_key: str = field(default='', repr=False)
    self_service_tokens: bool = False
    api_rate: float = 120.0
    api_token_max_days: float = 365.0

    @property
    def demo(self) -> bool:
        """True when no AoD address is configured: the dashboard runs against its built-in simulator."""
        return not self.aod_url

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, *, env_file: Path | None = Path('.env')) -> Settings:
        """Read every setting from `environ` (default: the process environment) over an optional `.env` file."""
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values.update(read_env_file(env_file))
        values.update(os.environ if environ is None else environ)
        kwargs: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = values.get(setting.env)
            if raw is None or raw == '':
                continue
            try:
                kwargs[setting.attr] = setting.cast(raw)
            except ValueError as error:
                shown = '(hidden)' if setting.secret else repr(raw)
                raise ConfigError(f'{setting.env}={shown} is not valid: {error}. {setting.help}') from None
        settings = cls(**kwargs)
        settings.check()
        return settings

    def check(self) -> None:
        """Raise `ConfigError` for combinations of settings that cannot work."""
        if self.token_mode == 'per-user' and not self.token_key:
            raise ConfigError('AOD_UI_TOKEN_MODE=per-user needs AOD_UI_TOKEN_KEY to encrypt the stored tokens. '
                              'Generate '
                              'one with: python -c "from cryptography.fernet import Fernet; '
                              'print(Fernet.generate_key().decode())"')
        if self.token_mode == 'per-user' and self.token_fallback == 'shared' and not self.aod_token:
            raise ConfigError('AOD_UI_TOKEN_FALLBACK=shared needs AOD_API_TOKEN.')
        if self.aod_url and not self.aod_token and self.token_mode != 'per-user':
            raise ConfigError('AOD_API_URL is set but AOD_API_TOKEN is empty: set the AoD service token '
                              '(or unset AOD_API_URL to run the demo against the built-in simulator).')
        if not self.demo and len(self.storage_secret) < 32:
            raise ConfigError('AOD_UI_STORAGE_SECRET must be at least 32 characters outside demo mode; '
                              'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"')
        if self.auth == 'none' and self.host not in {'127.0.0.1', '::1', 'localhost'}:
            raise ConfigError('AOD_UI_AUTH=none lets anyone act as an admin, so it is only allowed when the dashboard '
                              'listens on a loopback address (AOD_UI_HOST=127.0.0.1).')
        if self.auth == 'oidc':
            missing = [name for name, value in (('AOD_UI_OIDC_DISCOVERY_URL', self.oidc_discovery_url),
                                                ('AOD_UI_OIDC_CLIENT_ID', self.oidc_client_id),
                                                ('AOD_UI_OIDC_CLIENT_SECRET', self.oidc_client_secret)) if not value]
            if missing:
                raise ConfigError(f'AOD_UI_AUTH=oidc needs {", ".join(missing)}.')
        if self.auth == 'header' and not self.trusted_proxies:
            raise ConfigError('AOD_UI_AUTH=header needs AOD_UI_TRUSTED_PROXIES: the addresses of the proxy '
                              'whose header may be believed.')
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ConfigError(f'AOD_UI_TRUSTED_PROXIES: {proxy!r} is not an address or network.') from None
        if self.stream_hold < 2000:
            raise ConfigError('AOD_UI_STREAM_HOLD must be at least 2000 (events and lines).')

    @property
    def oidc_issuer(self) -> str:
        """The provider's issuer as its discovery address names it (OpenID Connect Discovery 1.0, section 4); ''
        when the address does not end in /.well-known/openid-configuration."""
        suffix = '/.well-known/openid-configuration'
        return self.oidc_discovery_url[:-len(suffix)] if self.oidc_discovery_url.endswith(suffix) else ''

    @property
    def cookies_secure(self) -> bool:
        return (not self.demo) if self.secure_cookies is None else self.secure_cookies

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed (for tests and the command line)."""
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        current.update(changes)
        return Settings(**current)


def read_env_file(path: Path) -> dict[str, str]:
    """Read `NAME=value` lines; `#` starts a comment line; values may be quoted."""
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding='utf-8').splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith('#'):
            continue
        if stripped.startswith('export '):
            stripped = stripped[len('export '):]
        name, sep, value = stripped.partition('=')
        if not sep or not name.strip():
            raise ConfigError(f'{path}:{number}: expected NAME=value')
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in {'"', "'"}:
            value = value[1:-1]
        values[name.strip()] = value
    return values


def markdown_table() -> str:
    """The settings as the Markdown table in docs/configuration.md (`python -m aod_ui.settings` prints it)."""
    rows = ['| Variable | Default | What it does |', '|---|---|---|']
    for setting in SETTINGS:
        default = setting.default
        shown = '(empty)' if default in ('', (), None, {}) else f'`{default}`'
        rows.append(f'| `{setting.env}` | {shown} | {setting.help} |')
    return '\n'.join(rows)


if __name__ == '__main__':
    print(markdown_table())
