"""The running dashboard's parts, built once from the settings: storage, the AoD adapter, the hubs and the services.

In demo mode (no `AOD_API_URL`) the built-in simulator starts inside this process on a loopback port, with a
token made up at start-up, and the dashboard talks to it over real HTTP exactly as it would to AoD.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from storage import Store, open_store

from .archive import Archive
from .archive._follower import Follower
from .errors import ConfigError
from .hub import HubRegistry, spawn_detached
from .search import SearchIndex
from .services import (
    Actor,
    ApiTokenService,
    AuditService,
    FleetService,
    Notifications,
    PeopleService,
    ProvisioningTimes,
    Reruns,
    RetentionService,
    SearchService,
    SessionService,
    TemplateService,
    TokenService,
    Upstreams,
    WebhookService,
)
from .settings import Settings
from .upstream import Upstream
from .wiring import Services, build_services

__all__ = ['System']

log = logging.getLogger(__name__)


class System:
    """Everything the pages use, with one lifetime: `startup()` after the event loop runs, `shutdown()` at exit."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.started_at = time.time()
        self.store: Store = open_store(settings.data_dir)
        self.simulator = None
        self._upstream: Upstream | None = None
        self.upstreams: Upstreams | None = None  # type: ignore[assignment]  # set in startup
        self.tokens: TokenService | None = None  # type: ignore[assignment]
        self.retention: RetentionService | None = None  # type: ignore[assignment]
        self._retention_task: asyncio.Task | None = None
        self.fleet: FleetService | None = None  # type: ignore[assignment]
        self.reruns: Reruns = None  # type: ignore[assignment]  # set in startup
        self.templates: TemplateService = None  # type: ignore[assignment]  # set in startup
        self.webhooks = WebhookService(self.store)
        self.notifications: Notifications = None  # type: ignore[assignment]  # set in startup
        self._sessions: SessionService | None = None
        self._services: Services | None = None
        self.finder: SearchService = None  # type: ignore[assignment]  # set in startup
        self._ready: asyncio.Event | None = None
        self.startup_error: str | None = None
        self.archive = Archive(settings.data_dir / 'archive', fsync_interval=settings.archive_fsync_seconds)
        """Every session's events on disk; its index is read here, like the store, before anything is served."""
        self.archive.open()
        self.search = SearchIndex(settings.data_dir / 'search.sqlite', self.archive.folder, enabled=settings.search)
        """The full-text index of the archive, fed as it is written (its writer thread starts with the system)."""
        if settings.search:
            self.archive.listener = self.search
        self.provisioning = ProvisioningTimes(self.archive)
        """How long provisioning usually takes, from the archive (the session page says it while provisioning)."""
        self.follower: Follower | None = None
        self.hubs = HubRegistry(lambda session_id: self.upstreams.for_session(session_id),
                                hold=settings.stream_hold, archive=self.archive)
        self.people = PeopleService(self.store)
        self.audit = AuditService(self.store)
        self.api_tokens = ApiTokenService(self.store, self._api_actor, max_days=settings.api_token_max_days,
                                          rate_per_minute=settings.api_rate)
        """Personal access tokens of the HTTP API (`aod_ui/api`)."""
        self.demo_accounts: list[tuple[str, str, str]] = []
        """Demo mode: the seeded accounts and their passwords, shown on the sign-in page."""
        self.end_session_url: Callable[..., Awaitable[str | None]] | None = None
        """With OpenID Connect: the provider's sign-out address for a person, if it has one."""
        self.provider_check = None
        """With OpenID Connect: the schedule that asks the provider again about signed-in people."""
        self._background: list[asyncio.Task] = []

    def _api_actor(self, username: str) -> Actor | None:
        """The person an API token acts as, right now (with `AOD_UI_AUTH=none`, its one local admin)."""
        if self.settings.auth == 'none':
            from .auth import LOCAL_ACTOR
            if username == LOCAL_ACTOR.username:
                return LOCAL_ACTOR
        return self.people.actor(username)

    def background(self, task: asyncio.Task) -> None:
        """Keep a long-running task of the dashboard's, to cancel it at shutdown."""
        self._background.append(task)

    @property
    def upstream(self) -> Upstream:
        if self._upstream is None:
            raise ConfigError('The dashboard has not finished starting.')
        return self._upstream

    @property
    def sessions(self) -> SessionService:
        if self._sessions is None:
            raise ConfigError('The dashboard has not finished starting.')
        return self._sessions

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until `startup()` has finished (NiceGUI runs startup handlers as tasks, so the first requests may
        arrive before it has)."""
        if self._ready is None:
            self._ready = asyncio.Event()
        if not self._ready.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), timeout)
        if self.startup_error:
            raise ConfigError(self.startup_error)

    async def startup(self) -> None:
        if self._ready is None:
            self._ready = asyncio.Event()
        self.search.start()
        try:
            await self._start()
        except Exception as error:
            self.startup_error = f'The dashboard could not start: {error}'
            log.exception('start-up failed')
            raise
        finally:
            self._ready.set()

    async def _start(self) -> None:
        url, token = self.settings.aod_url, self.settings.aod_token
        if self.settings.demo and self.settings.auth == 'local':
            self.demo_accounts = await self.people.seed_demo()
        if self.settings.demo:
            from .simulator import SimulatorConfig, SimulatorServer
            token = 'aod_demo_' + secrets.token_urlsafe(24)
            self.simulator = SimulatorServer(SimulatorConfig(tokens=(token,), port=0,
                                                             time_scale=self.settings.demo_time_scale))
            await self.simulator.start()
            url = self.simulator.url
            log.info('demo mode: built-in AoD simulator at %s', url)
        services = self._services = build_services(self.settings, self.store, url=url, token=token, hubs=self.hubs,
                                                    archive=self.archive)
        self._upstream, self.upstreams, self.tokens = services.shared, services.upstreams, services.tokens
        self._sessions, self.retention, self.fleet = services.sessions, services.retention, services.fleet
        self.finder = SearchService(self._sessions, self.search)
        self.reruns = Reruns(self._sessions)
        self.templates = TemplateService(self._sessions)
        self.notifications = Notifications(self._sessions, self.webhooks, public_url=self.settings.public_url)
        self.background(spawn_detached(self.notifications.run(), 'session events'))
        self._retention_task = spawn_detached(
            self.retention.scheduled(self.settings.retention_interval_minutes * 60), 'scheduled retention')
        self.follower = Follower(self.archive, self.hubs, self._sessions.aod_sessions,
                                 lambda session_id: self.upstreams.for_session(session_id).get_session(session_id),
                                 rate=self.settings.backfill_rate, streams=self.settings.backfill_streams)
        self.background(spawn_detached(self.follower.run(), 'archive follower'))

    async def store_audit(self, actor: str, action: str, outcome: str, detail: str) -> None:
        """Record something that happened outside the services (for example a refused sign-in)."""
        from storage import run_io
        await run_io(self.store.audit.append, actor, action, outcome=outcome, detail=detail)  # type: ignore[arg-type]

    async def shutdown(self) -> None:
        if self._retention_task is not None:
            self._retention_task.cancel()
        for task in self._background:
            task.cancel()
        await self.hubs.stop_all()
        await self.webhooks.aclose()
        await asyncio.to_thread(self.search.stop)
        if self._services is not None:
            await self._services.aclose()
        if self.simulator is not None:
            await self.simulator.stop()
        self.store.close()
