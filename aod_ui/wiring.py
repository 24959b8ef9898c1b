"""The service graph, built one way from the settings for both the web app (`System`) and the command line."""

from __future__ import annotations

from dataclasses import dataclass

from storage import Store

from .archive import Archive
from .hub import HubRegistry
from .services import (
    FairShare,
    FleetService,
    RetentionPolicy,
    RetentionService,
    SessionService,
    TokenService,
    TokenVault,
    Upstreams,
)
from .settings import Settings
from .upstream import Upstream

__all__ = ['Services', 'build_services', 'retention_policy']


@dataclass
class Services:
    """The services that talk to AoD, and the clients they share; `aclose()` closes the clients."""

    shared: Upstream | None
    """The client with the dashboard's own token (None without one, as with per-person tokens only)."""
    upstreams: Upstreams
    tokens: TokenService
    sessions: SessionService
    retention: RetentionService
    fleet: FleetService

    async def aclose(self) -> None:
        await self.upstreams.aclose()
        if self.shared is not None:
            await self.shared.aclose()


def retention_policy(settings: Settings) -> RetentionPolicy:
    return RetentionPolicy(days=settings.retention_days, stuck_hours=settings.retention_stuck_hours,
                           agent_days=dict(settings.retention_agent_days), archive_days=settings.archive_days)


def build_services(settings: Settings, store: Store, *, url: str | None = None, token: str | None = None,
                   hubs: HubRegistry | None = None, archive: Archive | None = None) -> Services:
    """Build the services for AoD at `url` with `token` (the settings' by default; demo mode passes the built-in
    simulator's). `hubs`, when given, must hand out streams through the returned `upstreams` (the web app makes its
    registry before the services exist, with `archive`); without it the services get a registry of their own, over
    `archive` when given."""
    url = settings.aod_url if url is None else url
    token = settings.aod_token if token is None else token
    timeout = settings.request_timeout
    shared = Upstream(url, token, timeout=timeout) if token else None
    vault = TokenVault(store, settings.token_key) if settings.token_mode == 'per-user' else None
    upstreams = Upstreams(shared, vault=vault, store=store, make=lambda personal: Upstream(url, personal,
                                                                                          timeout=timeout),
                          fallback=settings.token_fallback)
    if hubs is None:  # (not `hubs or ...`: a registry with no hubs yet is falsy, having a length)
        hubs = HubRegistry(upstreams.for_session, hold=settings.stream_hold, archive=archive)
    sessions = SessionService(upstreams, store, hubs, fair_share=FairShare(
        store, role_limits=settings.active_session_limits, monthly_budget=settings.monthly_budget_usd))
    retention = RetentionService(store, upstreams, lambda: sessions.aod_sessions(fresh=True), sessions.agent_name,
                                 policy=retention_policy(settings), rate=settings.retention_rate, archive=archive)
    fleet = FleetService(sessions, store, upstreams, session_limit=settings.aod_session_limit,
                         stuck_pending_minutes=settings.stuck_pending_minutes,
                         silent_running_minutes=settings.silent_running_minutes)
    tokens = TokenService(upstreams, store, self_service=settings.self_service_tokens)
    return Services(shared, upstreams, tokens, sessions, retention, fleet)
