"""API followers beside page viewers on one session, registered from `bench/api_followers.py` (which says what it
measures and why the page viewers beside them are the yardstick)."""

from __future__ import annotations

from .. import api_followers
from ..registry import Context, Row, Scenario, Target, register


def run(ctx: Context) -> list[Row]:
    rows = api_followers.run(ctx.browser, ctx.simulator, ctx.dashboard,
                             **(api_followers.SMOKE if ctx.quick else api_followers.FULL))
    return [Row(**row) for row in rows]


register(Scenario(
    'api', 'API followers beside page viewers', run,
    targets={metric: Target(text, judge) for metric, (text, judge) in api_followers.JUDGES.items()},
    explain=(api_followers.__doc__ or '').split('\n\nSelf-contained')[0]))
