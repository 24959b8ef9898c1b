"""Small ECharts bar charts for the operations page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from nicegui import ui

from .. import theme

__all__ = ['bar_chart', 'stacked_chart']

STATUS_COLORS = {'completed': '#2e7d32', 'failed': '#c10015', 'terminated': '#757575', 'running': '#1976d2',
                 'pending': '#bf360c'}  # as theme.STATUS_COLORS


def _frame(title: str) -> dict:
    return {'title': {'text': title, 'textStyle': {'fontSize': 13}}, 'tooltip': {'trigger': 'axis'},
            'grid': {'left': 40, 'right': 10, 'top': 40, 'bottom': 30, 'containLabel': True}}


def _chart(options: dict) -> ui.echart:
    # drawn as SVG, so that the page's dark mode can colour its text (see theme.CSS); a canvas keeps ECharts' grey
    return ui.echart(options, renderer='svg').classes('w-full h-64 aod-chart')


def stacked_chart(title: str, data: Mapping[str, Counter]) -> ui.echart:
    """Bars per category (x), stacked by session status."""
    categories = list(data)
    statuses = [s for s in STATUS_COLORS if any(counter.get(s) for counter in data.values())]
    options = _frame(title) | {
        'legend': {'bottom': 0, 'textStyle': {'fontSize': 10}},
        'xAxis': {'type': 'category', 'data': categories, 'axisLabel': {'fontSize': 10}},
        'yAxis': {'type': 'value', 'minInterval': 1},
        'series': [{'name': s, 'type': 'bar', 'stack': 'all', 'color': STATUS_COLORS[s],
                    'data': [data[c].get(s, 0) for c in categories]} for s in statuses],
    }
    options['grid']['bottom'] = 28
    return _chart(options)


def bar_chart(title: str, data: Mapping[str, float], *, decimals: int = 0) -> ui.echart:
    """One bar per key, largest first."""
    items = sorted(data.items(), key=lambda item: -item[1])[:15]
    options = _frame(title) | {
        'xAxis': {'type': 'category', 'data': [k for k, _ in items], 'axisLabel': {'fontSize': 10, 'rotate': 20}},
        'yAxis': {'type': 'value'},
        'series': [{'type': 'bar', 'color': theme.PRIMARY, 'data': [round(v, decimals) for _, v in items]}],
    }
    if not items:
        options['title']['subtext'] = 'no data yet'
    return _chart(options)
