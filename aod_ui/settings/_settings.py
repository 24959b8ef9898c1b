"""`Settings`: the dashboard's configuration, read from `SETTINGS` and checked as a whole."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ._casts import read_env_file
from ._table import SETTINGS

__all__ = ['Settings']


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
