"""The dashboard's rules, in plain async Python (no NiceGUI `ui` here)."""

from ..upstream import AgentInfo
from ._api_tokens import SCOPES as TOKEN_SCOPES
from ._api_tokens import TOKEN_PREFIX, ApiCaller, ApiTokenService, TokenBucket, TokenRefused
from ._audit import AuditService
from ._fair_share import FairShare, Usage
from ._fleet import FleetService, FleetSummary, SessionFacts
from ._listing import LIST_SCOPES, LIST_SORTS, ListFilter, filter_rows, in_scope, parse_day
from ._notifications import Notifications
from ._people import LoginRefused, OidcPolicy, PeopleService, RateLimiter
from ._policy import ROLES, Actor, can_act, can_launch, can_view, is_admin
from ._provisioning import ProvisioningTimes, Typical, provisioning_ms
from ._reruns import Reruns
from ._retention import PlanItem, RetentionPolicy, RetentionService, RunReport
from ._rows import last_activity
from ._search import SearchPage, SearchService
from ._sessions import LaunchRequest, SessionDetail, SessionRow, SessionService, first_line
from ._templates import Template, TemplateService
from ._tokens import TokenInfo, TokenService, TokenVault, Upstreams, token_prefix
from ._webhooks import SessionEvent, Webhook, WebhookService

__all__ = [
    'LIST_SCOPES',
    'LIST_SORTS',
    'ROLES',
    'TOKEN_PREFIX',
    'TOKEN_SCOPES',
    'Actor',
    'AgentInfo',
    'ApiCaller',
    'ApiTokenService',
    'AuditService',
    'FairShare',
    'FleetService',
    'FleetSummary',
    'LaunchRequest',
    'ListFilter',
    'LoginRefused',
    'Notifications',
    'OidcPolicy',
    'PeopleService',
    'PlanItem',
    'ProvisioningTimes',
    'RateLimiter',
    'Reruns',
    'RetentionPolicy',
    'RetentionService',
    'RunReport',
    'SearchPage',
    'SearchService',
    'SessionDetail',
    'SessionEvent',
    'SessionFacts',
    'SessionRow',
    'SessionService',
    'Template',
    'TemplateService',
    'TokenBucket',
    'TokenInfo',
    'TokenRefused',
    'TokenService',
    'TokenVault',
    'Typical',
    'Upstreams',
    'Usage',
    'Webhook',
    'WebhookService',
    'can_act',
    'can_launch',
    'can_view',
    'filter_rows',
    'first_line',
    'in_scope',
    'is_admin',
    'last_activity',
    'parse_day',
    'provisioning_ms',
    'token_prefix',
]
