"""The table of settings: each environment variable with its attribute, cast, default and help text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._casts import (
    agent_days,
    boolean,
    choice,
    lower_words,
    non_negative,
    non_negative_int,
    port,
    positive_float,
    role_counts,
    url,
    words,
)

__all__ = ['SETTINGS', 'Setting', 'markdown_table']


@dataclass(frozen=True)
class Setting:
    """One configuration variable: its environment name, how to read it, its default and what it is for."""

    env: str
    attr: str
    cast: Callable[[str], Any]
    default: Any
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting('AOD_API_URL', 'aod_url', url, '',
            'Address of the AoD server. Empty: demo mode, against the built-in simulator in the same process.'),
    Setting('AOD_API_TOKEN', 'aod_token', str, '',
            'The AoD service token (aod_...). Required when AOD_API_URL is set; never shown to anyone.', secret=True),
    Setting('AOD_UI_HOST', 'host', str, '127.0.0.1', 'Address the dashboard listens on.'),
    Setting('AOD_UI_PORT', 'port', port, 8080, 'Port the dashboard listens on.'),
    Setting('AOD_UI_DATA_DIR', 'data_dir', Path, Path('data'),
            "Folder for the dashboard's own data (session records, people, audit trail, the archive of every "
            'session read from AoD in its archive/ folder, and the search index of that archive, search.sqlite).'),
    Setting('AOD_UI_STORAGE_SECRET', 'storage_secret', str, '',
            'Secret that signs the browser session cookie; at least 32 characters outside demo mode.', secret=True),
    Setting('AOD_UI_TITLE', 'title', str, 'AoD Dashboard', 'Name shown in the header and the browser tab.'),
    Setting('AOD_UI_REQUEST_TIMEOUT', 'request_timeout', positive_float, 15.0,
            'Seconds to wait for an answer from AoD before telling the person it is slow.'),
    Setting('AOD_UI_REFRESH_SECONDS', 'refresh_seconds', positive_float, 5.0,
            'How often the sessions list refreshes itself.'),
    Setting('AOD_UI_STREAM_HOLD', 'stream_hold', int, 5_000,
            'How much of a watched session the dashboard keeps in memory for its pages: about this many of the '
            'latest stream events, output lines and transcript lines. Pages say when earlier output was let go; '
            'downloads read the whole session from the archive.'),
    Setting('AOD_UI_DEMO_TIME_SCALE', 'demo_time_scale', positive_float, 1.0,
            'Demo mode only: speed of the built-in simulator (1 is watchable, 0.1 is ten times faster).'),
    Setting('AOD_UI_LOG_LEVEL', 'log_level', choice('debug', 'info', 'warning', 'error'), 'info',
            'How much the dashboard logs.'),
    Setting('AOD_UI_AUTH', 'auth', choice('local', 'oidc', 'header', 'none'), 'local',
            'How people sign in: local (accounts kept here), oidc (OpenID Connect), header (a trusted SSO proxy), '
            'or none (no sign-in, everyone is one admin; only on a loopback address, for one person or benchmarks).'),
    Setting('AOD_UI_DEFAULT_VISIBILITY', 'default_visibility', choice('team', 'private'), 'team',
            'Who may watch a new session by default: team (everyone signed in) or private (its owner and admins).'),
    Setting('AOD_UI_SESSION_HOURS', 'session_hours', positive_float, 12.0,
            'Hours a sign-in lasts before the person must sign in again.'),
    Setting('AOD_UI_SECURE_COOKIES', 'secure_cookies', boolean, None,
            'Send the session cookie over HTTPS only. Default: on outside demo mode, off in demo mode.'),
    Setting('AOD_UI_PUBLIC_URL', 'public_url', url, '',
            'The address people use to reach the dashboard (for sign-in redirects behind a proxy); '
            'default: taken from each request.'),
    Setting('AOD_UI_OIDC_DISCOVERY_URL', 'oidc_discovery_url', url, '',
            "The identity provider's discovery document (…/.well-known/openid-configuration)."),
    Setting('AOD_UI_OIDC_CLIENT_ID', 'oidc_client_id', str, '', 'The client id registered with the provider.'),
    Setting('AOD_UI_OIDC_CLIENT_SECRET', 'oidc_client_secret', str, '', 'The client secret.', secret=True),
    Setting('AOD_UI_OIDC_SCOPES', 'oidc_scopes', str, 'openid email profile', 'Scopes to ask for.'),
    Setting('AOD_UI_OIDC_ALLOWED_DOMAINS', 'oidc_allowed_domains', lower_words, (),
            'Comma-separated email domains allowed to sign in (empty: any); the address must be verified.'),
    Setting('AOD_UI_OIDC_ROLE_CLAIM', 'oidc_role_claim', str, 'groups', 'The ID-token claim that maps to roles.'),
    Setting('AOD_UI_OIDC_ADMIN_VALUES', 'oidc_admin_values', words, (),
            'Comma-separated values of the role claim that make a person an admin.'),
    Setting('AOD_UI_OIDC_MEMBER_VALUES', 'oidc_member_values', words, (),
            'Comma-separated values of the role claim that make a person a member.'),
    Setting('AOD_UI_OIDC_VIEWER_VALUES', 'oidc_viewer_values', words, (),
            'Comma-separated values of the role claim that make a person a viewer.'),
    Setting('AOD_UI_OIDC_DEFAULT_ROLE', 'oidc_default_role', choice('member', 'viewer', 'none'), 'member',
            'Role of a person whose claim matches none of the lists; none refuses them.'),
    Setting('AOD_UI_OIDC_RECHECK_SECONDS', 'oidc_recheck_seconds', positive_float, 300.0,
            'How often the identity provider is asked again (userinfo, renewing with the refresh token) about the '
            'people signed in through it: their role follows its answer, and their sign-ins end when it no longer '
            'answers for them.'),
    Setting('AOD_UI_HEADER_NAME', 'header_name', str, 'X-Forwarded-Email',
            'With AOD_UI_AUTH=header: the request header that names the person.'),
    Setting('AOD_UI_TRUSTED_PROXIES', 'trusted_proxies', words, (),
            'Comma-separated addresses or networks (CIDR) of the reverse proxies in front of the dashboard. Only a '
            'request that comes straight from one of them may set X-Forwarded-For and X-Forwarded-Proto (and, with '
            'AOD_UI_AUTH=header, name the person); from anywhere else these headers are ignored. Empty: none.'),
    Setting('AOD_UI_TOKEN_MODE', 'token_mode', choice('shared', 'per-user'), 'shared',
            'shared: every call to AoD uses AOD_API_TOKEN. per-user: each person\'s launches, follow-ups, stops, '
            'deletes and streams use that person\'s own AoD token, kept encrypted here.'),
    Setting('AOD_UI_TOKEN_FALLBACK', 'token_fallback', choice('refuse', 'shared'), 'refuse',
            'per-user mode: what a person without a token gets: refuse (told to ask an admin) or the shared token.'),
    Setting('AOD_UI_TOKEN_KEY', 'token_key', str, '',
            'per-user mode: the Fernet key that encrypts stored tokens (required). Generate one with: python -c '
            '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"', secret=True),
    Setting('AOD_UI_SELF_SERVICE_TOKENS', 'self_service_tokens', boolean, False,
            'per-user mode: people may set their own token (otherwise only admins may).'),
    Setting('AOD_UI_RETENTION_DAYS', 'retention_days', non_negative, 0.0,
            'Delete finished sessions (completed, failed, terminated) this many days after they ended; 0 keeps them.'),
    Setting('AOD_UI_RETENTION_STUCK_HOURS', 'retention_stuck_hours', non_negative, 0.0,
            'Stop, then delete, sessions still pending or running this many hours after they started; 0: never.'),
    Setting('AOD_UI_RETENTION_AGENT_DAYS', 'retention_agent_days', agent_days, {},
            'Per-agent retention in days, by agent name or id: for example code-review=30,doc-gen=7.'),
    Setting('AOD_UI_RETENTION_INTERVAL_MINUTES', 'retention_interval_minutes', positive_float, 60.0,
            'How often the retention policy runs by itself (when any rule is on).'),
    Setting('AOD_UI_RETENTION_RATE', 'retention_rate', positive_float, 5.0,
            'At most this many calls per second to AoD during a retention run.'),
    Setting('AOD_UI_ARCHIVE_DAYS', 'archive_days', non_negative, 0.0,
            'The dashboard keeps its archived copy of a session AoD deleted this many days after it noticed the '
            'deletion (the retention run removes it); 0 keeps the copies.'),
    Setting('AOD_UI_ARCHIVE_FSYNC_SECONDS', 'archive_fsync_seconds', non_negative, 1.0,
            'Archived events are written to disk as they come and made durable (fsync) at least this often, and '
            'whenever a session ends; 0 makes every write durable at once. A power cut loses at most this long of '
            'events, which the dashboard reads again from AoD.'),
    Setting('AOD_UI_SEARCH', 'search', boolean, True,
            'Index every archived session for search (in search.sqlite beside the archive): the list searches the '
            'transcripts, and find in a session reaches output the page no longer holds. false: the list searches '
            'prompts only, and find in a session what the page holds.'),
    Setting('AOD_UI_BACKFILL_RATE', 'backfill_rate', positive_float, 2.0,
            'Reading finished sessions the archive lacks: at most this many streams started (and deletion checks) '
            'per second.'),
    Setting('AOD_UI_BACKFILL_STREAMS', 'backfill_streams', non_negative_int, 2,
            'Reading finished sessions the archive lacks: at most this many at a time, newest first; 0 reads none '
            '(sessions are still archived when someone opens them, and active sessions always are).'),
    Setting('AOD_UI_STUCK_PENDING_MINUTES', 'stuck_pending_minutes', positive_float, 15.0,
            'The operations page flags sessions pending for longer than this.'),
    Setting('AOD_UI_SILENT_RUNNING_MINUTES', 'silent_running_minutes', positive_float, 30.0,
            'The operations page flags running sessions without activity for longer than this.'),
    Setting('AOD_UI_QUIET_SECONDS', 'quiet_seconds', positive_float, 120.0,
            'The session page says "No output for N min" once a running session\'s stream has brought nothing for '
            'this long.'),
    Setting('AOD_UI_AOD_SESSION_LIMIT', 'aod_session_limit', int, 100,
            'AoD\'s concurrent session limit per token, until a 429 from AoD tells the real one.'),
    Setting('AOD_UI_ACTIVE_SESSION_LIMITS', 'active_session_limits', role_counts, {},
            'Fair share: how many sessions each person of a role may have active (pending or running) at once, for '
            'example member=3,admin=10; a role not named, or 0, has no limit. An admin may set another limit for '
            'one person on People.'),
    Setting('AOD_UI_MONTHLY_BUDGET_USD', 'monthly_budget_usd', non_negative, 0.0,
            "Fair share: each person's monthly budget in US dollars, counted from the costs the agents reported in "
            'the sessions they launched this calendar month (UTC). New session warns at 80 %; at 100 % launches '
            'are refused unless an admin allows more. 0: no budget. People may set another per person.'),
    Setting('AOD_UI_API_RATE', 'api_rate', positive_float, 120.0,
            'HTTP API: requests a minute each personal access token may make (in bursts of up to as many); more are '
            'answered 429 with Retry-After. Following a session\'s events is one request however long it lasts.'),
    Setting('AOD_UI_API_TOKEN_MAX_DAYS', 'api_token_max_days', positive_float, 365.0,
            'HTTP API: the longest a personal access token may last, in days (people choose up to this).'),
    Setting('AOD_UI_HEADER_DEFAULT_ROLE', 'header_default_role', choice('admin', 'member', 'viewer'), 'member',
            'With AOD_UI_AUTH=header: the role of a person seen for the first time.'),
)


def markdown_table() -> str:
    """The settings as the Markdown table in docs/configuration.md (`python -m aod_ui.settings` prints it)."""
    rows = ['| Variable | Default | What it does |', '|---|---|---|']
    for setting in SETTINGS:
        default = setting.default
        shown = '(empty)' if default in ('', (), None, {}) else f'`{default}`'
        rows.append(f'| `{setting.env}` | {shown} | {setting.help} |')
    return '\n'.join(rows)
