"""Team webhooks, set by admins: a message when a session is launched, finishes, fails or is stopped.

Two shapes: `slack` (a Slack-compatible `{"text": ...}`, for an incoming-webhook address) and `json` (the event as
JSON, signed). Every delivery carries `X-AoD-Delivery` (a unique id), `X-AoD-Timestamp` (Unix seconds) and
`X-AoD-Signature: sha256=<hex>`, the HMAC-SHA256 with the hook's secret of `<timestamp>.<body>`: a receiver checks
the signature, refuses a timestamp older than five minutes, and remembers delivery ids for that long, so a replayed
request is refused (`verify()` does all three). A failed delivery (no answer in time, no connection, 429 or 5xx) is
tried again after 1, 2, 4, 8 s (`base_delay` doubling, at most `attempts` tries); other 4xx answers are final.
Every delivery, with its attempts and outcome, goes into a log that Operations shows. No payload carries a token:
only the session's id, title, agent, owner, status and its address on the dashboard.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict, dataclass, field

import httpx

from storage import Store, run_io

from ..errors import ActionError, NotAllowed
from ..hub import spawn_detached
from ._policy import Actor, is_admin

__all__ = ['KINDS', 'SessionEvent', 'Webhook', 'WebhookService', 'sign', 'verify']

KINDS = ('launched', 'finished', 'failed', 'stopped')
HOOKS_KEY = 'webhooks'
LOG_KEY = 'webhooks.log'
LOG_SIZE = 200
TOLERANCE = 300.0


@dataclass(frozen=True)
class SessionEvent:
    """Something that happened to a session, as notifications tell it (never with a token)."""

    kind: str
    """launched | finished | failed | stopped | test"""
    session_id: str
    title: str
    agent: str
    owner: str
    status: str
    visibility: str = 'team'
    url: str = ''


@dataclass(frozen=True)
class Webhook:
    id: str
    url: str
    kind: str
    """slack | json"""
    secret: str = field(repr=False)
    events: tuple[str, ...] = KINDS
    enabled: bool = True


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-AoD-Signature` value of a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f'{timestamp}.'.encode() + body, hashlib.sha256).hexdigest()
    return f'sha256={digest}'


def verify(secret: str, headers: MutableMapping[str, str] | httpx.Headers, body: bytes, *, now: float,
           seen: MutableMapping[str, float], tolerance: float = TOLERANCE) -> bool:
    """What a receiver checks: the signature, a timestamp at most `tolerance` s away, and a delivery id not seen in
    that time (`seen` remembers them; older ones are forgotten)."""
    try:
        timestamp = int(headers['x-aod-timestamp'])
        delivery = headers['x-aod-delivery']
        signature = headers['x-aod-signature']
    except (KeyError, ValueError):
        return False
    if not hmac.compare_digest(sign(secret, timestamp, body), signature) or abs(now - timestamp) > tolerance:
        return False
    for old in [d for d, at in seen.items() if now - at > tolerance]:
        del seen[old]
    if delivery in seen:
        return False
    seen[delivery] = now
    return True


def payload(hook: Webhook, event: SessionEvent, sent_at: int, delivery: str) -> dict:
    words = {'launched': 'was launched', 'finished': 'finished', 'failed': 'failed', 'stopped': 'was stopped',
             'test': 'is a test message from the AoD dashboard'}
    if hook.kind == 'slack':
        link = f'<{event.url}|{event.title}>' if event.url else event.title
        return {'text': f'Session {link} {words.get(event.kind, event.kind)} '
                        f'(agent {event.agent}, started by {event.owner}).'}
    return {'event': f'session.{event.kind}', 'delivery': delivery, 'sent_at': sent_at,
            'session': {'id': event.session_id, 'title': event.title, 'agent': event.agent, 'owner': event.owner,
                        'status': event.status, 'url': event.url}}


class WebhookService:
    """The team's webhooks, their deliveries and the delivery log."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, attempts: int = 5,
                 base_delay: float = 1.0, timeout: float = 5.0,
                 spawn: Callable = spawn_detached) -> None:
        self.store = store
        self.clock = clock
        self.sleep = sleep
        self.attempts = attempts
        self.base_delay = base_delay
        self.timeout = timeout
        self.spawn = spawn
        self.client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        self._log_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self.client.aclose()

    # -- admins set them ----------------------------------------------------------------------------------------

    def hooks(self, actor: Actor) -> list[Webhook]:
        self._require_admin(actor)
        return self._hooks()

    async def add(self, actor: Actor, url: str, kind: str, events: tuple[str, ...] = KINDS) -> Webhook:
        """A new hook with a fresh secret (shown to the admin to give to the receiver)."""
        self._require_admin(actor)
        url = url.strip()
        if not url.startswith(('http://', 'https://')):
            raise ActionError('A webhook address starts with http:// or https://.')
        if kind not in {'slack', 'json'}:
            raise ActionError('A webhook is either slack or json.')
        unknown = set(events) - set(KINDS)
        if unknown or not events:
            raise ActionError(f'Choose events among: {", ".join(KINDS)}.')
        hook = Webhook(id=secrets.token_hex(6), url=url, kind=kind, secret=secrets.token_urlsafe(32),
                       events=tuple(events))
        await self._save([*self._hooks(), hook])
        await run_io(self.store.audit.append, actor.username, 'add webhook', detail=f'{kind} {_host(url)}')
        return hook

    async def remove(self, actor: Actor, hook_id: str) -> None:
        self._require_admin(actor)
        await self._save([h for h in self._hooks() if h.id != hook_id])
        await run_io(self.store.audit.append, actor.username, 'remove webhook', detail=hook_id)

    async def send_test(self, actor: Actor, hook_id: str) -> dict:
        """Deliver a test message now (with retries) and return its log entry."""
        self._require_admin(actor)
        hook = next((h for h in self._hooks() if h.id == hook_id), None)
        if hook is None:
            raise ActionError('No such webhook.')
        event = SessionEvent(kind='test', session_id='', title='Test message', agent='-', owner=actor.username,
                             status='-')
        return await self.deliver(hook, event)

    def log(self, actor: Actor) -> list[dict]:
        """The latest deliveries, newest first."""
        self._require_admin(actor)
        return list(reversed(self.store.kv.get(LOG_KEY, [])))

    # -- deliveries ---------------------------------------------------------------------------------------------

    def notify(self, event: SessionEvent) -> None:
        """Send an event to every hook that asked for it, in the background."""
        for hook in self._hooks():
            if hook.enabled and event.kind in hook.events:
                self.spawn(self.deliver(hook, event), f'webhook {hook.id}')

    async def deliver(self, hook: Webhook, event: SessionEvent) -> dict:
        """One delivery with its retries; returns what the log keeps of it."""
        delivery = secrets.token_hex(12)
        started = self.clock()
        tries: list[str] = []
        outcome = 'failed'
        for attempt in range(self.attempts):
            if attempt:
                await self.sleep(self.base_delay * 2 ** (attempt - 1))
            sent_at = int(self.clock())
            body = json.dumps(payload(hook, event, sent_at, delivery), separators=(',', ':')).encode()
            headers = {'Content-Type': 'application/json', 'User-Agent': 'aod-dashboard',
                       'X-AoD-Delivery': delivery, 'X-AoD-Timestamp': str(sent_at),
                       'X-AoD-Signature': sign(hook.secret, sent_at, body), 'X-AoD-Event': f'session.{event.kind}'}
            try:
                answer = await self.client.post(hook.url, content=body, headers=headers)
            except httpx.TimeoutException:
                tries.append('no answer in time')
                continue
            except httpx.HTTPError as error:
                tries.append(f'could not connect ({type(error).__name__})')
                continue
            tries.append(str(answer.status_code))
            if answer.is_success:
                outcome = 'delivered'
                break
            if answer.status_code != 429 and answer.status_code < 500:
                break  # the receiver refuses it; sending it again would not help
        entry = {'at': started, 'hook': hook.id, 'host': _host(hook.url), 'event': event.kind,
                 'session': event.session_id, 'delivery': delivery, 'outcome': outcome, 'attempts': tries}
        async with self._log_lock:
            kept = [*self.store.kv.get(LOG_KEY, []), entry][-LOG_SIZE:]
            await run_io(self.store.kv.set, LOG_KEY, kept)
        return entry

    # -- storage ------------------------------------------------------------------------------------------------

    def _hooks(self) -> list[Webhook]:
        return [Webhook(**{**data, 'events': tuple(data['events'])}) for data in self.store.kv.get(HOOKS_KEY, [])]

    async def _save(self, hooks: list[Webhook]) -> None:
        await run_io(self.store.kv.set, HOOKS_KEY, [asdict(h) for h in hooks])

    def _require_admin(self, actor: Actor) -> None:
        current = self.store.users.get(actor.username)
        if not is_admin(actor) or (current is not None and (current.role != 'admin' or current.disabled)):
            raise NotAllowed('Only admins may see or change the team\'s webhooks.')


def _host(url: str) -> str:
    """The address without its path, for the log (a Slack hook's path is its secret)."""
    return httpx.URL(url).host
